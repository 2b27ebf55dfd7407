import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createPortalTokens, PortalRole } from '@payhook/api';
import { type ConsolePipeline, startConsolePipeline } from './console-pipeline.ts';

/** A portal link: the console's address with a short-lived token in its fragment. */
export interface PortalLink {
  readonly url: string;
  readonly token: string;
}

/** The console's pipeline with a portal key of its own, an operator key, and links made with them. */
export interface PortalConsole {
  readonly pipeline: ConsolePipeline;
  /** An API key with the operator role. */
  readonly operator: string;
  /** A merchant's portal link, asked of the API with the operator key. */
  merchantLink(merchantId: string): Promise<PortalLink>;
  /** An operator portal link, asked of the API with the operator key. */
  operatorLink(): Promise<PortalLink>;
  /** The console's address with a merchant token signed by the API's key an hour ago, for a minute. */
  expiredLink(merchantId: string): string;
  close(): Promise<void>;
}

/** Starts the console's pipeline (see startConsolePipeline) with a fresh portal key and an operator key. */
export async function startPortalConsole(): Promise<PortalConsole> {
  const portalKey = randomBytes(32);
  const pipeline = await startConsolePipeline({ PAYHOOK_PORTAL_KEY: portalKey.toString('base64') });
  try {
    const operator = (await pipeline.api.createKey(['--operator'])).key;
    const client = pipeline.api.client(operator);
    return {
      pipeline,
      operator,
      async merchantLink(merchantId) {
        const { data, response } = await client.POST('/v1/merchants/{merchant_id}/portal-links', {
          params: { path: { merchant_id: merchantId } },
        });
        assert.equal(response.status, 201);
        assert.ok(data !== undefined);
        return data;
      },
      async operatorLink() {
        const { data, response } = await client.POST('/v1/operator/portal-links');
        assert.equal(response.status, 201);
        assert.ok(data !== undefined);
        return data;
      },
      expiredLink(merchantId) {
        const past = createPortalTokens(portalKey, () => Date.now() - 3_600_000);
        const { token } = past.issue({ role: PortalRole.MERCHANT, merchantId, ttlMs: 60_000 });
        return `${pipeline.api.baseUrl}/console/#token=${token}`;
      },
      close: () => pipeline.close(),
    };
  } catch (error) {
    await pipeline.close();
    throw error;
  }
}
