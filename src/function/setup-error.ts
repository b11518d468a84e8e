/** What a function needs and was not given; the message names the variables to set. */
export class FunctionSetupError extends Error {
  override readonly name = "FunctionSetupError";
}
