/**
 * Prints the scheduling path's numbers for the README ("Scheduling"): `node bin/run-ts.mjs bench/fleet-cost.ts`.
 * Poll durations are the benchmark's unchanged polls (README, "Performance").
 */
import { fleetMonthlyCost, pollsPerHour, schedulingCostPerPoll } from './lib/fleet-cost.ts';
import { sizeCostFromReadme } from './lib/fleet-cost-inputs.ts';

const scheduling = schedulingCostPerPoll();
console.log(`scheduling per 1,000 connector-polls: $${scheduling.usdPer1000Polls.toFixed(4)} (claim ${scheduling.claimWriteUnits} WRU, ${scheduling.sqsRequests} SQS requests, ${scheduling.definitionReadUnits} RRU per poll)`);
for (const { users, pollSeconds, pollUsd } of sizeCostFromReadme) {
  console.log(
    `${users} users: poll ${pollSeconds} s, ${pollsPerHour(2, pollSeconds)} polls/h at concurrency 2, ${pollsPerHour(10, pollSeconds)} at 10; ` +
      `per 1,000 polls $${(pollUsd * 1000 + scheduling.usdPer1000Polls).toFixed(3)} (poll $${(pollUsd * 1000).toFixed(3)} + scheduling)`,
  );
}
for (const connectors of [1, 100, 1000, 10000]) {
  const month = fleetMonthlyCost(connectors);
  console.log(
    `${connectors} connectors / month: dispatcher $${month.dispatcherUsd.toFixed(2)}, health reads $${month.healthReadUsd.toFixed(2)}, idle queue $${month.idleQueueUsd.toFixed(2)}, ` +
      `alarms+metrics $${month.alarmsAndMetricsUsd.toFixed(2)} (per-connector before: $${month.perConnectorAlarmsBeforeUsd.toFixed(2)}), secrets $${month.secretsUsd.toFixed(2)}`,
  );
}
