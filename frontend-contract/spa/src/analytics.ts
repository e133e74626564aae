// The clickstream through the official @aws/clickstream-web SDK, sent to the API's
// POST /v1/clickstream (docs/clickstream.md "SDK protocol"). The SDK records `_page_view`
// by itself on every history.pushState (stored as page_view); the shop records
// product_view, add_to_cart, checkout_start and purchase, which the server keeps under
// those native names (items[0].id = the product id fills events.product_id).
import { ClickstreamAnalytics, SendMode, type Item } from '@aws/clickstream-web';
import { config } from './config';

let started = false;

export function startAnalytics(): void {
  if (!config.clickstreamAppId || started) return;
  started = ClickstreamAnalytics.init({
    appId: config.clickstreamAppId,
    endpoint: `${config.apiBaseUrl}/v1/clickstream`,
    sendMode: SendMode.Immediate,
    isTrackPageViewEvents: true,
    isTrackClickEvents: false,
    isTrackScrollEvents: false,
    isLogEvents: false,
  });
}

export function track(name: 'product_view' | 'add_to_cart' | 'checkout_start' | 'purchase',
  attributes: Record<string, string | number | boolean> = {}, items: Item[] = []): void {
  if (!started) return;
  ClickstreamAnalytics.record({ name, attributes, items });
}

export function identify(userId: string | null): void {
  if (started) ClickstreamAnalytics.setUserId(userId);
}
