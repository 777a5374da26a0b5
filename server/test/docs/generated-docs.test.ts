/**
 * The generated documents in docs/ match the code: the state machine diagram (from the transition table) and the
 * OpenAPI document (from the routes). When this fails, run `npm run docs` and commit the result.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_DOC, renderOpenApi } from '../../../scripts/docs/openapi.ts';
import { STATE_MACHINE_DOC, renderStateMachine, withGenerated } from '../../../scripts/docs/state-machine.ts';
import { transitions } from '../../src/services/copy-state-machine.ts';

describe('generated docs are up to date (else: npm run docs)', () => {
  it('docs/state-machine.md holds the diagram of the current transition table', () => {
    const committed = fs.readFileSync(STATE_MACHINE_DOC, 'utf8');
    expect(committed).toBe(withGenerated(committed));
    // the diagram has one arrow per (from, transition), so a changed table cannot render the same text
    for (const [name, t] of Object.entries(transitions)) for (const from of t.from) expect(renderStateMachine()).toContain(`${from} --> ${t.to}: ${name}`);
  });

  it('docs/openapi.json is the document the server serves', async () => {
    expect(fs.readFileSync(OPENAPI_DOC, 'utf8')).toBe(await renderOpenApi());
  }, 120_000);
});
