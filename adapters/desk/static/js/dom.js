// dom: building the pages' elements without innerHTML, so that what a citizen wrote is always
// shown as text and never read as markup, and the few formats every page shares.

// h('tag.class', {attributes, on: {event: handler}}, ...children): an element.  Children may
// be strings, nodes, arrays of them, or null/false (skipped).
export function h(tag, props, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (key === 'class') {
      el.className = [el.className, value].filter(Boolean).join(' ');
    } else if (key === 'for') {
      el.htmlFor = value;
    } else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled'
               || key === 'hidden' || key === 'required' || key === 'multiple') {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

// Empty an element and put new children in it.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// A labelled form field: <div class=field><label for=id>text</label>control</div>.
let fieldCount = 0;
export function field(label, control, hint) {
  if (!control.id) control.id = 'f' + (++fieldCount);
  return h('div.field', h('label', { for: control.id }, label), control,
           hint ? h('small.hint', hint) : null);
}

// A <select> of [value, text] pairs, with the current value selected.
export function select(name, options, current, props) {
  return h('select', Object.assign({ name }, props || {}),
           options.map(([value, text]) => h('option', { value, selected: String(value) === String(current ?? '') }, text)));
}

// A time as the hub gives it (2026-11-24T19:43:29+08:00, Asia/Shanghai) as 2026-11-24 19:43.
export function when(text) {
  return text ? text.slice(0, 16).replace('T', ' ') : '—';
}

// A date (YYYY-MM-DD) in Asia/Shanghai, days from today.
export function shanghaiDate(days = 0) {
  const t = new Date(Date.now() + 8 * 3600e3 + days * 86400e3);
  return t.toISOString().slice(0, 10);
}

// A number or a percentage for a table; — when there is none.
export function num(value, suffix = '') {
  return value === null || value === undefined ? '—' : String(value) + suffix;
}

// A message box (role=status, or role=alert for an error) that a page puts above its content.
export function notice(text, kind = 'info') {
  return h('div.notice.' + kind, { role: kind === 'error' ? 'alert' : 'status' }, text);
}
