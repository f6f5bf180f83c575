import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK clients for the stores. In AWS every field is left to the SDK's defaults (role credentials,
 * region); the embedded default passes its local endpoints here. Nothing else differs.
 */
export type StoreConnection = {
  readonly region?: string;
  readonly dynamodbEndpoint?: string;
  readonly s3Endpoint?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly s3Credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Path-style S3 URLs (required by s3rver). */
  readonly s3PathStyle?: boolean;
};

export function createDocumentClient(connection: StoreConnection = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...(connection.region ? { region: connection.region } : {}),
    ...(connection.dynamodbEndpoint ? { endpoint: connection.dynamodbEndpoint } : {}),
    ...(connection.credentials ? { credentials: connection.credentials } : {}),
    maxAttempts: 5,
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function createS3Client(connection: StoreConnection = {}): S3Client {
  return new S3Client({
    ...(connection.region ? { region: connection.region } : {}),
    ...(connection.s3Endpoint ? { endpoint: connection.s3Endpoint } : {}),
    ...(connection.s3Credentials ? { credentials: connection.s3Credentials } : {}),
    forcePathStyle: connection.s3PathStyle ?? false,
    // Streamed uploads with aws-chunked checksums are stored corrupt by s3rver; S3 accepts both.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 5,
  });
}
