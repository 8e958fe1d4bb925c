/**
 * The body of an HTTP response as the terminal commands read it: parsed JSON when it is JSON,
 * else the text as it came (an HTML error page, an empty body), so the caller can still show it.
 */
export async function readResponseBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
