/**
 * A tiny element builder. Text goes in as text nodes (never innerHTML) and there is no `style`
 * attribute: the panel's CSP allows styles from the stylesheet only, so looks come from classes and the
 * few computed values (colours, sizes) are set through element.style.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'style') throw new Error('inline styles are not allowed by the dashboard CSP');
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
      else if (k === 'className') el.className = String(v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children) {
    if (Array.isArray(c)) append(el, c);
    else if (c === null || c === undefined || c === false) continue;
    else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

let idCounter = 0;
export function uid(prefix: string): string {
  idCounter++;
  return `${prefix}-${idCounter}`;
}

/** A status block for empty, loading and error states: what happened, and what to do. */
export function notice(
  kind: 'loading' | 'empty' | 'error',
  title: string,
  detail?: string,
  action?: { label: string; run: () => void },
): HTMLElement {
  return h(
    'div',
    { className: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    kind === 'loading' ? h('span', { className: 'spinner', 'aria-hidden': 'true' }) : null,
    h('div', { className: 'notice-text' }, h('strong', null, title), detail ? h('p', null, detail) : null),
    action
      ? h('button', { className: 'button', type: 'button', onclick: () => action.run() }, action.label)
      : null,
  );
}

/** A labelled <select>. */
export function select<T extends string | number>(
  label: string,
  options: { value: T; label: string }[],
  value: T,
  onChange: (v: T) => void,
): HTMLElement {
  const id = uid('sel');
  const sel = h('select', { id, className: 'select' });
  for (const o of options) {
    const opt = h('option', { value: String(o.value) }, o.label);
    if (o.value === value) opt.selected = true;
    sel.appendChild(opt);
  }
  sel.addEventListener('change', () => {
    const o = options[sel.selectedIndex];
    if (o) onChange(o.value);
  });
  return h('label', { className: 'control', for: id }, h('span', { className: 'control-label' }, label), sel);
}

/** A group of toggle buttons (radio semantics), keyboard reachable. */
export function segmented<T extends string>(
  label: string,
  options: { value: T; label: string; title?: string }[],
  value: T,
  onChange: (v: T) => void,
): HTMLElement {
  const group = h('div', { className: 'segmented', role: 'radiogroup', 'aria-label': label });
  const buttons = options.map((o) =>
    h(
      'button',
      {
        type: 'button',
        role: 'radio',
        className: 'segment',
        title: o.title,
        'aria-checked': o.value === value ? 'true' : 'false',
        tabindex: o.value === value ? 0 : -1,
        onclick: () => onChange(o.value),
      },
      o.label,
    ),
  );
  group.addEventListener('keydown', (e) => {
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    const d =
      e.key === 'ArrowRight' || e.key === 'ArrowDown'
        ? 1
        : e.key === 'ArrowLeft' || e.key === 'ArrowUp'
          ? -1
          : 0;
    if (!d) return;
    e.preventDefault();
    const j = (i + d + buttons.length) % buttons.length;
    buttons[j].focus();
    onChange(options[j].value);
  });
  group.append(...buttons);
  return h('div', { className: 'control' }, h('span', { className: 'control-label' }, label), group);
}

export function checkbox(
  label: string,
  checked: boolean,
  onChange: (v: boolean) => void,
  group?: string,
): HTMLElement {
  const id = uid('chk');
  const input = h('input', { id, type: 'checkbox', className: 'checkbox' });
  input.checked = checked;
  input.addEventListener('change', () => onChange(input.checked));
  const box = h('label', { className: 'control-inline', for: id }, input, h('span', null, label));
  if (!group) return h('div', { className: 'control' }, box);
  return h(
    'div',
    { className: 'control', role: 'group', 'aria-label': group },
    h('span', { className: 'control-label' }, group),
    box,
  );
}

/** A range slider with a live read-out; onInput fires while dragging, onChange when released. */
export function slider(opts: {
  label: string;
  min: number;
  max: number;
  step: number;
  value: number;
  format: (v: number) => string;
  onInput?: (v: number) => void;
  onChange: (v: number) => void;
  ariaValueText?: (v: number) => string;
}): HTMLElement {
  const id = uid('rng');
  const input = h('input', {
    id,
    type: 'range',
    className: 'range',
    min: opts.min,
    max: opts.max,
    step: opts.step,
  });
  input.value = String(opts.value);
  const out = h('output', { className: 'range-value', for: id }, opts.format(opts.value));
  const text = (v: number) => (opts.ariaValueText ?? opts.format)(v);
  input.setAttribute('aria-valuetext', text(opts.value));
  input.addEventListener('input', () => {
    const v = Number(input.value);
    out.textContent = opts.format(v);
    input.setAttribute('aria-valuetext', text(v));
    opts.onInput?.(v);
  });
  input.addEventListener('change', () => opts.onChange(Number(input.value)));
  return h(
    'label',
    { className: 'control control-range', for: id },
    h('span', { className: 'control-label' }, opts.label),
    input,
    out,
  );
}
