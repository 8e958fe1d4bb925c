import { readResponseBody } from '../../src/shared/response-body';

test('a JSON body is parsed; any other body is kept as text', async () => {
  expect(await readResponseBody(new Response('{"message":"Not Found"}', { status: 404 }))).toEqual({ message: 'Not Found' });
  expect(await readResponseBody(new Response('<html>bad gateway</html>', { status: 502 }))).toBe('<html>bad gateway</html>');
  expect(await readResponseBody(new Response(''))).toBe('');
});
