// Text from a run is untrusted: before it is quoted, terminal escape sequences, controls and
// bidirectional overrides go, and every kind of line break becomes "\n".
import { strict as assert } from 'node:assert';
import { cleanRunText, cutTo, endOf, headOf, oneLine } from '../../../server/runs/runText';

describe('untrusted run text, cleaned', () => {
  it('removes CSI sequences (colours, cursor movement, clearing the screen)', () => {
    assert.equal(cleanRunText('\x1b[1m\x1b[32mok\x1b[0m \x1b[2J\x1b[H\x1b[3;4f\x1b[?25l\x1b[1A\x1b[2K done'), 'ok  done');
    assert.equal(cleanRunText('a\x9b31mb'), 'ab', 'the one-byte C1 CSI too');
  });

  it('removes OSC sequences, OSC 8 hyperlinks included, however they end', () => {
    const link = '\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\';
    assert.equal(cleanRunText(link), 'click');
    assert.equal(cleanRunText('\x1b]8;;https://evil.example\x07click\x1b]8;;\x07'), 'click');
    assert.equal(cleanRunText('\x1b]0;title\x9cx'), 'x');
    assert.equal(cleanRunText('before\x1b]8;;https://evil.example never ends\nnext'), 'before\nnext', 'an unterminated one ends at its line');
    assert.equal(cleanRunText('\x1bPq#0;2;0;0;0\x1b\\x\x1b_apc\x1b\\y'), 'xy', 'DCS and APC strings');
    assert.equal(cleanRunText('\x1b7\x1b(Bx\x1b8\x1b'), 'x', 'two-byte escapes and a lone ESC');
  });

  it('removes C0 and C1 controls but newline and tab, DEL, and bidirectional overrides', () => {
    const controls = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join('');
    // Tab and LF stay; VT, FF and CR are line breaks; ESC and the rest go.
    assert.equal(cleanRunText(`a${controls}b\x7f\x80\x99c`), 'a\t\n\n\n\nbc');
    assert.equal(cleanRunText('if (admin\u202e \u2066// check\u2069\u2067\u200f\u200e\u061c\ufeff) {'), 'if (admin // check) {');
  });

  it('turns every line break into "\\n": CRLF, CR, VT, FF, NEL, line and paragraph separators', () => {
    assert.equal(cleanRunText('a\r\nb\rc\vd\fe\x85f\u2028g\u2029h'), 'a\nb\nc\nd\ne\nf\ng\nh');
  });

  it('composes canonically, so no renderer that composes finds a backtick that was not there (U+1FEF)', () => {
    assert.equal(cleanRunText('\u1fef\u1fef\u1fef'), '```');
  });

  it('is idempotent: cleaning what was cleaned changes nothing', () => {
    const messy = '\x1b\x1b[31m[31mx\x1b[\x1b[0m0m\r\n\x1b]8;;u\x1b\\\x9b\u202e';
    assert.equal(cleanRunText(cleanRunText(messy)), cleanRunText(messy));
    assert.equal(cleanRunText(messy).includes('\x1b'), false);
  });

  it('folds to one line, and cuts without splitting a surrogate pair', () => {
    assert.equal(oneLine('  a\n\tb\u2028 c  '), 'a b c');
    assert.equal(cutTo('abcdef', 4), 'abc…');
    assert.equal(cutTo('abc', 4), 'abc');
    assert.equal(headOf('ab😀', 3), 'ab');
    assert.equal(endOf('😀ab', 3), 'ab');
    assert.equal(cutTo('a😀bc', 3), 'a…');
  });
});
