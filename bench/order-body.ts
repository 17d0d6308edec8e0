/** The partner API's `GET /orders/1` answer, the same from the Node server and from nginx. */
export const ORDER_BODY = JSON.stringify({
  id: 'o-1',
  status: 'open',
  total: 42.5,
  items: [{ sku: 'A-1', quantity: 2 }],
});
