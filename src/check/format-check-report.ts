/**
 * A check report as a terminal table and as JUnit XML for CI.
 *
 * @module
 */

import type { CheckOutcome, CheckReport, CheckResult } from './check-report.js';

const LABELS: Readonly<Record<CheckOutcome, string>> = {
  pass: 'PASS',
  fail: 'FAIL',
  warning: 'WARN',
  'not-applicable': 'N/A',
  'not-run': 'NOT RUN',
};

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

/**
 * The report as a readable table: one row per case (result, level, id, RFC
 * section, what was seen), then the counts, the clients left behind and the
 * verdict.
 * @see docs/check.md#the-report
 */
export function formatCheckTable(report: CheckReport): string {
  const rows = report.results.map((result) => [
    LABELS[result.outcome],
    result.level === 'must' ? 'MUST' : 'SHOULD',
    result.id,
    result.section,
    result.seen,
  ]);
  const header = ['RESULT', 'LEVEL', 'CASE', 'SECTION', 'SEEN'];
  const widths = header.map((title, column) =>
    Math.min(
      column === 3 ? 48 : 40,
      Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
    ),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : pad(cell, widths[column] ?? 0)))
      .join('  ');
  const failedMust = report.results.filter((result) => result.level === 'must' && result.outcome === 'fail');
  const lines = [
    `registrar check ${report.issuer} (profile ${report.profile}, run ${report.runId})`,
    `metadata: ${report.metadataUrl ?? 'not found'}`,
    `registration endpoint: ${report.registrationEndpoint ?? 'none'}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `MUST: an RFC MUST or MUST NOT (a failure fails the run). SHOULD: a SHOULD or an interoperability expectation (a failure is a warning).`,
    `${report.counts.pass} passed, ${report.counts.fail} failed, ${report.counts.warning} warnings, ${report.counts['not-applicable']} not applicable, ${report.counts['not-run']} not run; ${report.requestsSent} requests in ${(report.durationMs / 1000).toFixed(1)} s`,
    `clients created and deleted again: ${report.deleted.length}`,
  ];
  if (report.leftovers.length > 0) {
    lines.push(`clients NOT deleted (${report.leftovers.length}); remove them on the server:`);
    for (const client of report.leftovers) {
      lines.push(`  ${client.clientId}  ${JSON.stringify(client.clientName)}  ${client.reason}`);
    }
  }
  lines.push(
    report.passed
      ? 'PASSED: no required case failed'
      : `FAILED: ${failedMust.length} required case${failedMust.length === 1 ? '' : 's'} failed (${failedMust.map((result) => result.id).join(', ')})`,
  );
  return `${lines.join('\n')}\n`;
}

// XML 1.0 allows no C0 control other than tab, newline and carriage return, even escaped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

function escapeXml(text: string): string {
  return text
    .replace(XML_FORBIDDEN, '?')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join('');
}

function testcase(result: CheckResult): string {
  const group = result.id.split('.')[0] ?? result.id;
  const open = `    <testcase${attributes({
    classname: `registrar-check.${group}`,
    name: `${result.id}: ${result.title}`,
    time: (result.durationMs / 1000).toFixed(3),
  })}>`;
  const detail = `${result.level.toUpperCase()} ${result.section}: ${result.seen}`;
  const body: string[] = [];
  if (result.outcome === 'fail') {
    body.push(
      `      <failure${attributes({ message: result.seen, type: result.level })}>${escapeXml(detail)}</failure>`,
    );
  } else if (result.outcome === 'not-applicable' || result.outcome === 'not-run') {
    body.push(`      <skipped${attributes({ message: `${result.outcome}: ${result.seen}` })}/>`);
  } else if (result.outcome === 'warning') {
    body.push(`      <system-out>${escapeXml(`warning: ${detail}`)}</system-out>`);
  } else {
    body.push(`      <system-out>${escapeXml(detail)}</system-out>`);
  }
  return [open, ...body, '    </testcase>'].join('\n');
}

/**
 * The report as JUnit XML: one test case per case; a failed required case
 * is a `<failure>`, a case that does not apply or did not run is
 * `<skipped>`, and a warning is a passing case whose `<system-out>` says so
 * (a SHOULD does not fail a CI run).
 * @see docs/check.md#the-report
 */
export function formatCheckJunit(report: CheckReport): string {
  const failures = report.results.filter((result) => result.outcome === 'fail').length;
  const skipped = report.results.filter(
    (result) => result.outcome === 'not-applicable' || result.outcome === 'not-run',
  ).length;
  const totals = {
    tests: report.results.length,
    failures,
    errors: 0,
    skipped,
    time: (report.durationMs / 1000).toFixed(3),
  };
  const properties = [
    ['issuer', report.issuer],
    ['profile', report.profile],
    ['runId', report.runId],
    ['metadataUrl', report.metadataUrl ?? ''],
    ['registrationEndpoint', report.registrationEndpoint ?? ''],
    ['requestsSent', String(report.requestsSent)],
    ['leftoverClients', report.leftovers.map((client) => client.clientId).join(' ')],
  ]
    .map(([name, value]) => `      <property${attributes({ name: name ?? '', value: value ?? '' })}/>`)
    .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: 'registrar-check', ...totals })}>`,
    `  <testsuite${attributes({ name: `registrar check ${report.issuer}`, timestamp: report.startedAt, ...totals })}>`,
    '    <properties>',
    properties,
    '    </properties>',
    ...report.results.map(testcase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
