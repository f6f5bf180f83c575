import type { Command } from 'commander';
import { E2Simulator } from '../../local/simulator/server.ts';
import { day, nonNegativeInt, positiveInt, rate } from './options.ts';

export function registerSim(program: Command) {
  program
    .command('sim')
    .description(
      'serve a simulated IDrive e2 Reseller + Subuser API on 127.0.0.1 (for trials, tests and benchmarks)',
    )
    .option('--port <port>', 'TCP port (0 picks a free one)', nonNegativeInt('--port', 65_535), 18787)
    .option('--users <n>', 'number of customer accounts', positiveInt('--users', 1_000_000), 25)
    .option('--seed <n>', 'seed: the same seed serves the same data', nonNegativeInt('--seed', 2 ** 31), 1)
    .option('--today <date>', 'the simulated "today" (YYYY-MM-DD); data exists up to it', day('--today'))
    .option('--latency-ms <ms>', 'delay before every answer', nonNegativeInt('--latency-ms', 60_000), 0)
    .option('--fault-rate <f>', 'share of requests answered 500', rate('--fault-rate'), 0)
    .option('--rate-429 <f>', 'share of requests answered 429 with Retry-After', rate('--rate-429'), 0)
    .option('--hang-rate <f>', 'share of requests never answered', rate('--hang-rate'), 0)
    .option(
      '--malformed-rate <f>',
      'share of requests answered with truncated JSON',
      rate('--malformed-rate'),
      0,
    )
    .option(
      '--activity-scale <x>',
      'multiplies activity records per user-day',
      positiveInt('--activity-scale', 10_000),
      1,
    )
    .addHelpText(
      'after',
      '\nThe accepted API key is $E2_API_TOKEN, or "sim-token" when unset.\nSimulator counters: GET /__sim/stats; change faults at run time: POST /__sim/faults.',
    )
    .action(async (opts) => {
      const sim = new E2Simulator({
        seed: opts.seed,
        users: opts.users,
        ...(opts.today ? { today: opts.today } : {}),
        token: process.env.E2_API_TOKEN || 'sim-token',
        latencyMs: opts.latencyMs,
        activityScale: opts.activityScale,
        faults: {
          error500Rate: opts.faultRate,
          rate429: opts.rate429,
          hangRate: opts.hangRate,
          malformedRate: opts.malformedRate,
        },
      });
      const url = await sim.start(opts.port);
      process.stdout.write(
        `IDrive e2 simulator: ${url} (${opts.users} users, seed ${opts.seed}, today ${sim.model.today})\n`,
      );
      process.stdout.write(`Try: curl -H 'token: <token>' ${url}/api/reseller/v1/users\n`);
      const stop = async () => {
        await sim.stop();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
