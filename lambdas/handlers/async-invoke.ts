import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

let lambda: LambdaClient | undefined;

/**
 * Starts a function asynchronously (InvocationType Event): Lambda queues the event and answers at
 * once; the function's own async configuration retries its failures and dead-letters the last.
 */
export async function invokeAsync(functionName: string, payload: unknown): Promise<void> {
  lambda ??= new LambdaClient({});
  await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: JSON.stringify(payload),
    }),
  );
}
