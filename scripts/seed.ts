// `npm run seed`: a demo lab in the running stack (started with `npm start`), loaded through the router's GraphQL
// endpoint as an ADMIN would: users of every role, projects, a few hundred samples received over about six
// months and moved through every stage (QC results, holds, failures, reprocessing, distribution, archiving),
// flow-cell runs with their MinKNOW sheets, QC report files, and as submissions the real iLab quote and CSV sample
// sheets. Deterministic and idempotent (scripts/seed/apply.ts); refused against production (scripts/seed/config.ts).
// Dates in the past go through the samples subgraph's occurredAt (subgraphs/samples/occurred-at.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../subgraphs/kit/config.ts';
import { applySeed, type SeedLog, type SeedSummary } from './seed/apply.ts';
import { loadSeedConfig, USAGE, type SeedConfig } from './seed/config.ts';
import { signIn } from './seed/graph.ts';
import { USERS, seedEmail } from './seed/lab.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const QUOTE = path.join(root, 'test/fixtures/ilab-quote/HTSF--JL-147_quote_160217072025.pdf');
const SHEET = path.join(root, 'test/fixtures/csv/nanopore-sample-submission-template.csv');

const SHEET_HEADER =
  'sample_name,project_id,submitter_name,submitter_email,lab_name,sample_type,sample_buffer,concentration,volume,total_amount,flow_cell_type,flow_cell_count,priority,assigned_to,library_prep_by,chart_field';

/** Two more sheets in the template's layout, from two of the demo submitters (fixed bytes: imported once). */
function demoSheets(): { name: string; bytes: Uint8Array }[] {
  const sheet = (userKey: string, project: string, flowCell: string, rows: [string, number, number][]) => {
    const user = USERS.find((u) => u.key === userKey)!;
    const lines = rows.map(([name, concentration, volume]) =>
      [
        name,
        project,
        user.name,
        seedEmail(user.key),
        user.lab,
        'DNA',
        'TE Buffer',
        concentration.toFixed(1),
        volume.toFixed(1),
        (concentration * volume).toFixed(1),
        flowCell,
        '1',
        'normal',
        'Amara Okafor',
        'Ben Hartley',
        project,
      ].join(','),
    );
    return new TextEncoder().encode([SHEET_HEADER, ...lines].join('\n') + '\n');
  };
  return [
    {
      name: 'petrov-wastewater-2026-week-48.csv',
      bytes: sheet('ivan.petrov', 'WW-048', 'R10.4.1', [
        ['WW48_NORTH', 18.2, 30],
        ['WW48_SOUTH', 22.5, 30],
        ['WW48_EAST', 9.8, 30],
        ['WW48_WEST', 14.1, 30],
        ['WW48_NEG', 0.4, 30],
      ]),
    },
    {
      name: 'santos-coral-reef-transect.csv',
      bytes: sheet('julia.santos', 'COR-T07', 'R9.4.1', [
        ['T07_A1', 41.0, 25],
        ['T07_A2', 37.5, 25],
        ['T07_B1', 52.3, 25],
      ]),
    },
  ];
}

/** Runs the whole seed against `config.url`; what it did. */
export async function runSeed(config: SeedConfig, log: SeedLog): Promise<SeedSummary> {
  const admin = await signIn(config.url, config.adminEmail, config.adminPassword);
  return applySeed({
    admin,
    samples: config.samples,
    userPassword: config.userPassword,
    signInAs: (email, password) => signIn(config.url, email, password),
    documents: {
      quote: readFileSync(QUOTE),
      sheets: [{ name: path.basename(SHEET), bytes: readFileSync(SHEET) }, ...demoSheets()],
    },
    log,
  });
}

async function main(): Promise<void> {
  const config = loadSeedConfig(process.argv.slice(2), process.env);
  if (config === 'help') {
    console.log(USAGE);
    return;
  }
  const started = performance.now();
  console.log(`seeding ${config.url} as ${config.adminEmail}`);
  const summary = await runSeed(config, {
    info: (message) => console.log(message),
    warn: (message) => console.error(`warning: ${message}`),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `done in ${seconds} s: ${summary.usersCreated.length} users, ${summary.projectsCreated} projects, ` +
      `${summary.samplesCreated} samples, ${summary.stepsApplied} workflow steps, ${summary.runsCreated} runs, ` +
      `${summary.filesUploaded} files created; submissions: ` +
      summary.submissions.map((s) => `${s.name} ${s.status}`).join(', '),
  );
  if (summary.skipped.length) {
    console.error(`${summary.skipped.length} samples left as they were: ${summary.skipped.join(', ')}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? `seed refused: ${error.message}` : error);
    process.exit(1);
  });
}
