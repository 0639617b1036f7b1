/**
 * onnxruntime's errors start with the C++ source location and function signature that raised them
 * ("Load model from … failed:/onnxruntime_src/…/model.cc:202 onnxruntime::Model::Model(…) Unsupported
 * model IR version: 99, …"). A user needs the sentence at the end, so the location is cut out.
 */

/**
 * The message of an onnxruntime error without the C++ location and signature.
 *
 * @example ortProblem(new Error('failed:/onnxruntime_src/a.cc:1 void f(int) Opset 99 is not supported')) // 'failed: Opset 99 is not supported'
 */
export function ortProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = message.indexOf('/onnxruntime_src/');
  if (at < 0) return message.trim();
  const open = message.indexOf('(', at);
  if (open < 0) return message.trim();
  let depth = 0;
  let close = -1;
  for (let i = open; i < message.length; i++) {
    if (message[i] === '(') depth++;
    else if (message[i] === ')' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0) return message.trim();
  const rest = message.slice(close + 1).replace(/^ const\b/, '');
  return `${message.slice(0, at).trimEnd()} ${rest.trim()}`.trim();
}
