#!/usr/bin/env bash
# Refreshes the console screenshots the README shows (docs/console/*.png): runs the console's
# browser test (which starts the local stack if needed and photographs every page under
# test/results/console/), then copies the key screens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TEST_FILES=test/console/console.test.ts bash scripts/test.sh
mkdir -p docs/console
for screen in endpoint-secret endpoint deliveries delivery payment operator-overview operator-dead-letters link-expired endpoints-phone; do
  cp "test/results/console/${screen}.png" "docs/console/${screen}.png"
done
# The list with health: a healthy endpoint beside one whose circuit is open.
cp test/results/console/endpoints-circuit-open.png docs/console/endpoints.png
echo "docs/console: $(ls docs/console | wc -l) screenshots"
