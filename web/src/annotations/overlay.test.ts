/**
 * The overlay draws from the drawing style shared with the PDF flattener (contracts/src/drawing-style.ts), with the
 * exact shapes and colours the desk has always drawn: the tick and cross paths below are the values that were
 * written in Overlay.tsx before the style moved to contracts.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ANNOTATION_STYLE } from '@korrigo/contracts/drawing-style';
import type { AnnRecord, AnnType } from './model';
import { Overlay } from './Overlay';

const W = 1000;
const H = 1400;
const rec = (type: AnnType): AnnRecord => ({
  key: type,
  id: null,
  version: 1,
  pagePosition: 0,
  type,
  x: 0.1,
  y: 0.2,
  w: 0.3,
  h: 0.1,
  content: 'Bien',
  points: [[0.1, 0.1], [0.2, 0.3]],
  scoreDelta: 150,
  questionId: null,
});
const draw = (type: AnnType) =>
  renderToStaticMarkup(createElement('svg', null, createElement(Overlay, { width: W, height: H, records: [rec(type)], selected: null, labelOf: () => type, scoreText: () => '+1.5' })));

describe('Overlay draws with the shared drawing style', () => {
  const [x, y, w, h] = [0.1 * W, 0.2 * H, 0.3 * W, 0.1 * H];
  const pen = W * 0.0025;

  it('a tick: the same path, colour and width as before the style was shared', () => {
    const d = `M ${x + w * 0.1} ${y + h * 0.55} L ${x + w * 0.4} ${y + h * 0.85} L ${x + w * 0.9} ${y + h * 0.15}`;
    const svg = draw('TICK');
    expect(svg).toContain(`d="${d}"`);
    expect(svg).toContain(`stroke="#0a8a3a" stroke-width="${pen * 2}"`);
  });

  it('a cross: two strokes, inset by 15 % of the box', () => {
    const d = `M ${x + w * 0.15} ${y + h * 0.15} L ${x + w * 0.85} ${y + h * 0.85} M ${x + w * 0.85} ${y + h * 0.15} L ${x + w * 0.15} ${y + h * 0.85}`;
    const svg = draw('CROSS');
    expect(svg).toContain(`d="${d}"`);
    expect(svg).toContain(`stroke="#c62828" stroke-width="${pen * 2}"`);
  });

  it('comments, highlights, score badges and freehand take their colours from the style', () => {
    expect(draw('COMMENT')).toContain(`fill="${ANNOTATION_STYLE.comment.fill}" fill-opacity="0.9" stroke="${ANNOTATION_STYLE.comment.border}"`);
    expect(draw('HIGHLIGHT')).toContain(`fill="${ANNOTATION_STYLE.highlight.color}" fill-opacity="0.4"`);
    const badge = draw('SCORE');
    expect(badge).toContain(`fill="${ANNOTATION_STYLE.score.fill}"`);
    expect(badge).toContain(`font-size="${Math.min(h * 0.6, W * 0.017 * 1.2)}"`);
    expect(draw('FREEHAND')).toContain(`points="100,140 200,420" fill="none" stroke="${ANNOTATION_STYLE.freehand.color}" stroke-width="${pen}"`);
  });
});
