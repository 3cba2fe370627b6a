/**
 * The `spt-yaml` language: package.json maps *.spt.yaml and *.sweep.yaml to it (grammar, comment and
 * bracket rules, icon), every SPT selector and menu uses it, and Red Hat YAML is no longer handed
 * these files' JSON Schema (which gave every schema problem twice). The grammar's rules are checked
 * on the lines experiment files are made of.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  EXPERIMENT_SELECTOR,
  isExperimentPath,
  LANGUAGE_SERVER_SELECTOR,
  SPT_FILENAME_PATTERNS,
  SPT_LANGUAGE_ID,
} from '../../../../src/extension/language/spt-language';

const ROOT = path.join(__dirname, '..', '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const contributes = pkg.contributes;

interface Rule {
  match?: string;
  begin?: string;
  patterns?: Rule[];
}

/** Oniguruma's `\z` (end of text) has no JS spelling; everything else these rules use is shared. */
const jsRegex = (source: string) => new RegExp(source.replace(/\\z/g, '$(?![\\s\\S])'));

describe('the spt-yaml language', () => {
  const language = contributes.languages.find((l: { id: string }) => l.id === SPT_LANGUAGE_ID);
  const grammarEntry = contributes.grammars.find((g: { language: string }) => g.language === SPT_LANGUAGE_ID);
  const grammar = JSON.parse(fs.readFileSync(path.join(ROOT, grammarEntry.path), 'utf8'));

  it('maps *.spt.yaml and *.sweep.yaml to it, with a name, comment and bracket rules and an icon', () => {
    assert.ok(language, 'package.json contributes no spt-yaml language');
    assert.deepEqual(language.filenamePatterns, [...SPT_FILENAME_PATTERNS]);
    assert.equal(language.aliases[0], 'SPT YAML');
    const config = JSON.parse(fs.readFileSync(path.join(ROOT, language.configuration), 'utf8'));
    assert.deepEqual(config.comments, { lineComment: '#' });
    assert.deepEqual(config.brackets, [
      ['{', '}'],
      ['[', ']'],
    ]);
    for (const icon of [language.icon.light, language.icon.dark]) {
      const svg = fs.readFileSync(path.join(ROOT, icon), 'utf8');
      assert.match(svg, /^<svg [^>]*viewBox="0 0 16 16"/);
    }
  });

  it('hands these files to no YAML extension: no yamlValidation for them, the JSON Schemas kept for other editors', () => {
    const handed = (contributes.yamlValidation ?? []).flatMap((v: { fileMatch: string }) => v.fileMatch);
    for (const p of SPT_FILENAME_PATTERNS) assert.ok(!handed.includes(p), `yamlValidation still covers ${p}`);
    for (const f of ['spt-experiment.schema.json', 'spt-sweep.schema.json'])
      assert.equal(JSON.parse(fs.readFileSync(path.join(ROOT, 'media', f), 'utf8')).type, 'object', f);
  });

  it('activates on the language and puts the client, the CodeLens and the menus on it', () => {
    assert.ok(pkg.activationEvents.includes(`onLanguage:${SPT_LANGUAGE_ID}`));
    assert.ok(LANGUAGE_SERVER_SELECTOR.every((s) => s.language === SPT_LANGUAGE_ID));
    assert.equal(EXPERIMENT_SELECTOR.language, SPT_LANGUAGE_ID);
    const editorMenus = [...contributes.menus['editor/title'], ...contributes.menus['editor/context']];
    assert.ok(editorMenus.length > 0);
    for (const m of editorMenus) assert.match(m.when, /resourceLangId == spt-yaml/, m.command);
    assert.ok(isExperimentPath('/a/b/x.spt.yaml'));
    assert.ok(!isExperimentPath('/a/b/x.sweep.yaml'));
  });

  it('has a grammar whose every rule compiles, scoped source.spt-yaml', () => {
    assert.equal(grammar.scopeName, grammarEntry.scopeName);
    assert.equal(grammar.scopeName, 'source.spt-yaml');
    let rules = 0;
    const visit = (r: Rule) => {
      for (const src of [r.match, r.begin]) {
        if (src === undefined) continue;
        assert.doesNotThrow(() => jsRegex(src), src);
        rules++;
      }
      for (const p of r.patterns ?? []) visit(p);
    };
    for (const r of Object.values(grammar.repository) as Rule[]) visit(r);
    assert.ok(rules >= 15, `only ${rules} rules`);
  });

  it('tells keys, numbers, constants, strings and comments apart on experiment lines', () => {
    const rule = (name: string) => jsRegex(grammar.repository[name].match);
    const key = rule('key');
    assert.deepEqual(key.exec('  warmup_epochs: 0')?.slice(3, 5), ['warmup_epochs', ':']);
    assert.equal(key.exec('- lr: 0.1')?.[3], 'lr', 'the dash is not part of a key');
    assert.equal(key.exec('lr: 0.1')?.[3], 'lr');
    assert.equal(key.exec('  "quoted key": 1')?.[1], '"quoted key"');
    assert.equal(key.exec('url: http://x:8080')?.[3], 'url', 'a colon inside a value is no key');
    const number = new RegExp(`^(?:${grammar.repository.number.match})`);
    for (const n of ['0.1', '1e-3', '-2', '.inf', '200', '5e-4 # comment']) assert.ok(number.test(n), n);
    for (const n of ['0.1x', 'vpt', '1.2.3']) assert.ok(!number.test(n), n);
    const constant = new RegExp(`^(?:${grammar.repository.constant.match})`);
    for (const c of ['true', 'null', '~', 'false  # no']) assert.ok(constant.test(c), c);
    assert.ok(!constant.test('trueish'));
    const comment = rule('comment');
    assert.equal(comment.exec('  lr: 0.1  # the published recipe')?.[0], '# the published recipe');
    assert.equal(comment.exec('name: a#b'), null, 'a # inside a word is not a comment');
    const plain = new RegExp(`^(?:${grammar.repository.plain.match})`);
    assert.equal(plain.exec('../data/cub # root')?.[0], '../data/cub');
  });
});
