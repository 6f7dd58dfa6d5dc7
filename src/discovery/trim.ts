// Device datagrams are padded with NULs and whitespace. `/[\0\s]+$/` trims them in quadratic time when a long
// run of whitespace is not at the end (the engine retries the run from every start), so one 32 KiB datagram
// blocked the event loop for seconds. This walks back from the end once: linear whatever the input.

const NUL_OR_WHITESPACE = /^[\0\s]$/;

/** `text` without its trailing NULs and whitespace (JavaScript's `\s`), in one pass from the end. */
export function trimTrailingNulAndSpace(text: string): string {
  let end = text.length;
  while (end > 0 && NUL_OR_WHITESPACE.test(text[end - 1]!)) end -= 1;
  return end === text.length ? text : text.slice(0, end);
}
