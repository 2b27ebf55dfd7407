// Moved to @payhook/replay, which the HTTP API shares (POST /v1/deliveries/{id}/resend).
export { type DeliverySearchClients, findDeliveries, type ResendQuery } from '@payhook/replay';
