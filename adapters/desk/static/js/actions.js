// actions: the forms of what the user may do to one complaint, given their role and the
// complaint's state (the server refuses the rest anyway, and its refusal is shown): the lead
// department's sign-for, notes, reply, extension, pause, return and close; a co-handler's
// opinion; the supervisors' decisions, urging, triage, re-dispatch and unmasking; the
// operators' call-back.  Each form posts POST /api/complaints/NUMBER/ACTION.

import { post } from './api.js';
import { h, fill, field, select, notice } from './dom.js';
import { STAGES, TYPES, URGENCIES, choices } from './labels.js';
import { pairs, departmentName } from './catalog.js';

const OPEN = ['received', 'classified', 'triage', 'dispatched', 'signed_for', 'responded'];

// Which actions the user has on complaint c.
export function allowed(c, user) {
  const dept = user.role === 'department' ? user.department : null;
  const lead = dept && dept === c.lead_department;
  const co = dept && !lead && (c.co_departments || []).includes(dept);
  const supervise = user.role === 'supervisor' || user.role === 'admin';
  const open = OPEN.includes(c.state);
  const handling = c.state === 'dispatched' || c.state === 'signed_for';
  const list = [];
  if (lead) {
    if (c.state === 'dispatched') list.push('sign');
    if (c.state === 'signed_for') list.push('reply');
    if (open) list.push('note');
    if (handling && !c.extension_waiting) list.push('extend');
    if (handling && !c.paused) list.push('pause');
    if (c.paused) list.push('resume');
    if (handling && !c.return_waiting) list.push('return');
    if (c.state === 'responded') list.push('close');
  }
  if (co && open) list.push('co_opinion', 'note');
  if (supervise) {
    if (c.extension_waiting) list.push('extension');
    if (c.return_waiting) list.push('return_review');
    if (c.state === 'triage') list.push('triage');
    if (['triage', 'classified', 'dispatched', 'signed_for'].includes(c.state) && !c.return_waiting) list.push('redispatch');
    if (open && c.lead_department) list.push('urge');
    if (c.person && c.person.masked) list.push('unmask');
  }
  if (['operator', 'supervisor', 'admin'].includes(user.role) && (c.state === 'responded' || c.state === 'closed')) {
    list.push('callback');
  }
  return list;
}

function text(name, label, props) {
  return field(label, h('textarea', Object.assign({ name, rows: 2, required: true }, props || {})));
}

// The forms: [title, controls(c, cat), body(values), button text].
const FORMS = {
  sign: ['签收', () => [h('p.hint', '签收后开始办理，签收期限即告完成。')], () => ({}), '确认签收'],
  note: ['办理进展', () => [text('text', '进展情况')], (v) => ({ text: v.text }), '记录进展'],
  reply: ['答复诉求人', () => [text('text', '答复内容', { rows: 4 })], (v) => ({ text: v.text }), '提交答复'],
  extend: ['申请延期', () => [
    field('延期环节', select('stage', Object.entries(STAGES), 'close')),
    field('延长工作日', h('input', { name: 'days', type: 'number', min: 1, max: 30, value: 5, required: true })),
    text('reason', '延期理由')],
  (v) => ({ stage: v.stage, by: v.days + 'wd', reason: v.reason }), '提交申请'],
  pause: ['暂停计时', () => [h('p.hint', '仅限无法联系到诉求人时使用。'), text('reason', '暂停原因')],
    (v) => ({ reason: v.reason }), '暂停'],
  resume: ['恢复计时', () => [field('说明', h('textarea', { name: 'note', rows: 2 }))], (v) => ({ note: v.note }), '恢复'],
  return: ['退单', () => [h('p.hint', '不属于本单位职责时申请退回，由督办员审核。'), text('reason', '退单理由')],
    (v) => ({ reason: v.reason }), '申请退单'],
  close: ['办结', () => [text('result', '办理结果')], (v) => ({ result: v.result }), '办结'],
  co_opinion: ['协办意见', () => [text('text', '协办意见（提交给主办单位）', { rows: 3 })], (v) => ({ text: v.text }), '提交意见'],
  extension: ['审批延期', (c) => [
    h('p', '申请：' + (STAGES[c.extension_waiting.stage] || c.extension_waiting.stage) + '延期 '
      + String(c.extension_waiting.within).replace('wd', ' 个工作日') + '；理由：' + c.extension_waiting.reason),
    field('决定', select('approve', [['true', '同意延期'], ['false', '不同意']], 'true')),
    field('审批意见', h('textarea', { name: 'reason', rows: 2 }))],
  (v) => ({ approve: v.approve === 'true', reason: v.reason }), '提交审批'],
  return_review: ['退单审核', (c, cat) => [
    h('p', departmentName(cat, c.return_waiting.department) + '申请退单；理由：' + c.return_waiting.reason),
    field('决定', select('decision', [['redispatch', '同意退单，改派至下列单位'], ['reroute', '同意退单，由系统重新分拨'],
                                      ['refuse', '不同意退单，原单位继续办理']], 'redispatch')),
    field('改派至', select('department', pairs(cat.departments, '请选择单位'), '')),
    text('reason', '审核意见')],
  (v) => v, '提交审核'],
  triage: ['人工分类', (c, cat) => [
    h('p.hint', '确定分类后由系统按职责清单派单，本次修正将用于改进智能分类。'),
    field('分类', select('category', pairs(cat.categories), c.category || '')),
    field('类型', select('type', choices(TYPES), c.type || 'complaint')),
    field('紧急程度', select('urgency', choices(URGENCIES), c.urgency || 'normal')),
    text('reason', '分类理由')],
  (v) => ({ category: v.category, type: v.type, urgency: v.urgency, reason: v.reason }), '确认并派单'],
  redispatch: ['改派', (c, cat) => [
    field('主办单位', select('department', pairs(cat.departments, '请选择单位'), '', { required: true })),
    field('协办单位（可多选）', select('co', pairs(cat.departments), '', { multiple: true, size: 4 })),
    text('reason', '改派理由')],
  (v) => ({ department: v.department, co: v.co, reason: v.reason }), '改派'],
  urge: ['督办', () => [text('message', '督办意见（将显示在承办单位的队列中）')], (v) => ({ message: v.message }), '发出督办'],
  callback: ['回访', () => [
    h('fieldset.choices', h('legend', '满意度'),
      [['satisfied', '满意'], ['basically', '基本满意'], ['dissatisfied', '不满意']].map(([value, label], i) =>
        h('label.choice', h('input', { type: 'radio', name: 'satisfaction', value, checked: i === 0 }), label))),
    field('回访记录', h('textarea', { name: 'note', rows: 2 })),
    h('label.choice', h('input', { type: 'checkbox', name: 'reopen', value: 'yes' }), '不满意理由成立，退回承办单位重新办理')],
  (v) => ({ satisfaction: v.satisfaction, note: v.note, reopen: v.reopen === 'yes' }), '提交回访'],
};

function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'radio') { if (el.checked) out[el.name] = el.value; }
    else if (el.type === 'checkbox') { if (el.checked) out[el.name] = el.value; }
    else if (el.multiple) out[el.name] = [...el.selectedOptions].map((o) => o.value).filter(Boolean).join(',');
    else out[el.name] = el.value.trim();
  }
  return out;
}

// The decision on a return: approve, then (when a department was chosen) re-dispatch.
async function reviewReturn(number, v) {
  if (v.decision === 'redispatch' && !v.department) throw new Error('请选择改派的单位。');
  await post('/api/complaints/' + number + '/return_review',
             { approve: v.decision !== 'refuse', reason: v.reason });
  if (v.decision === 'redispatch') {
    await post('/api/complaints/' + number + '/redispatch', { department: v.department, reason: v.reason });
  }
}

// The actions panel of complaint c; done() is called after a change, to read it again.
export function panel(c, user, cat, done) {
  const names = allowed(c, user);
  const status = h('div.action-status', { id: 'action-status' });
  if (!names.length) {
    return h('section.card.actions', h('h2', '办理操作'), status,
             h('p.empty', c.state === 'closed' ? '该工单已办结。' : '当前没有可进行的操作。'));
  }
  const forms = names.filter((n) => n !== 'unmask').map((name) => {
    const [title, controls, body, button] = FORMS[name];
    const form = h('form.action', { 'data-action': name },
      controls(c, cat), h('button.primary', { type: 'submit' }, button));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const submit = form.querySelector('button[type=submit]');
      submit.disabled = true;
      try {
        const v = values(form);
        if (name === 'return_review') await reviewReturn(c.number, v);
        else await post('/api/complaints/' + c.number + '/' + name, body(v));
        done(title + '：已完成。');
      } catch (error) {
        fill(status, notice(title + '未完成：' + error.message, 'error'));
        submit.disabled = false;
      }
    });
    // The first form is open; the others open on a click (one <details> each).
    return h('details.action', { 'data-action': name, open: names[0] === name || name === 'extension' || name === 'return_review' },
             h('summary', title), form);
  });
  return h('section.card.actions', h('h2', '办理操作'), status, forms);
}

export async function unmask(number) {
  return post('/api/complaints/' + number + '/unmask');
}
