import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import type { UserProfile } from '../../ledger/model.ts';
import type { DirectoryStore } from '../../ledger/ports.ts';
import { keys } from '../table.ts';
import { decode, profileSchema } from './items.ts';
import type { DynamoTable } from './table.ts';

/** Profiles: pk USER#<email> sk PROFILE, gsi1 DIRECTORY / <email>; the cursor lives on the profile. */
export function dynamoDirectory(t: DynamoTable): DirectoryStore {
  // UpdateItem, not Put, so that a profile refresh never resets the cursor another worker advanced.
  const update = async (p: Omit<UserProfile, 'collectedThrough'>) => {
    const fields = { gsi1pk: keys.directory, gsi1sk: p.email, type: 'profile', ...p };
    const names = Object.keys(fields);
    await t.db.send(
      new UpdateCommand({
        TableName: t.name,
        Key: { pk: keys.user(p.email), sk: keys.profile },
        UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
        ExpressionAttributeValues: Object.fromEntries(
          names.map((n, i) => [`:v${i}`, fields[n as keyof typeof fields]]),
        ),
      }),
    );
  };
  return {
    async putProfiles(profiles) {
      await pMap(profiles, update, { concurrency: 16 });
    },

    async advanceCursor(email, day) {
      // False when another worker is already past this day: the cursor never moves back.
      await t.updateIf({
        Key: { pk: keys.user(email), sk: keys.profile },
        UpdateExpression: 'SET collectedThrough = :day',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(collectedThrough) OR collectedThrough < :day OR collectedThrough = :null)',
        ExpressionAttributeValues: { ':day': day, ':null': null },
      });
    },

    listProfiles() {
      return t.queryAll(
        {
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.directory },
        },
        (i) => decode(profileSchema, i, 'profile'),
      );
    },
  };
}
