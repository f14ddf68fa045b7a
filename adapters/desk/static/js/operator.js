// operator: the hotline operator's desk (接线员).  A new work order during the call, with the
// classifier's suggestion (POST /api/preview, as the content is typed) of category, type,
// urgency and the routing they imply shown before submitting, each editable; the caller's
// earlier complaints by phone (repeat reports marked); a look-up by number or phone; and the
// complaints waiting for the satisfaction call-back (回访).

import { get, post, query } from './api.js';
import { h, fill, field, select, when, notice } from './dom.js';
import { STATES, TYPES, URGENCIES, choices } from './labels.js';
import { catalog, pairs, departmentName } from './catalog.js';
import { complaintList } from './list.js';
import { routingBasis } from './history.js';

// A caller's history (GET /api/callers?phone=) as a table.
function callerTable(items) {
  if (!items.length) return h('p.empty', '该号码此前没有诉求记录。');
  return h('table.small', { id: 'caller-history' },
    h('thead', h('tr', h('th', '工单编号'), h('th', '标题'), h('th', '状态'), h('th', '承办单位'), h('th', '受理时间'), h('th', '重复'))),
    h('tbody', items.map((c) => h('tr',
      h('td.number', h('a', { href: '#/c/' + c.number }, c.number)),
      h('td', c.title || '—'), h('td', STATES[c.state] || c.state), h('td', c.lead_department_name || '—'),
      h('td.time', when(c.received_at)),
      h('td', c.repeat_of ? h('span.mark.repeat', '重复件（原件 ' + c.repeat_of + '）')
        : c.repeats ? h('span.mark.repeat', '有 ' + c.repeats + ' 件重复来电') : '—')))));
}

// The id of a label given by its id or by its Chinese name.
function idOf(table, value) {
  if (table[value]) return value;
  return (Object.entries(table).find(([, name]) => name === value) || [''])[0];
}

// The Chinese part of a routing reason ("rule x (priority 100, ...): 附件2第8行 ...").
function chineseBasis(reason) {
  const basis = routingBasis(reason || '');
  return /[\u4e00-\u9fff]/.test(basis) ? basis : '';
}

export async function entry(view) {
  const cat = await catalog();
  const form = h('form.entry', { id: 'entry-form' });
  const line = select('line', [['12345', '12345 政务服务便民热线'], ['12315', '12315 市场监管投诉举报热线']], '12345');
  const callerName = h('input', { name: 'caller_name', autocomplete: 'off' });
  const phone = h('input', { name: 'phone', inputmode: 'tel', autocomplete: 'off' });
  const address = h('input', { name: 'address', autocomplete: 'off' });
  const region = select('region', pairs(cat.regions, '（请选择，或由地址判断）'), '');
  const title = h('input', { name: 'title', maxlength: 100, placeholder: '不填则取诉求内容开头' });
  const content = h('textarea', { name: 'content', rows: 6, required: true });
  const consent = h('input', { type: 'checkbox', name: 'reporter_consent' });
  const respName = h('input', { name: 'respondent_name' });
  const respAddress = h('input', { name: 'respondent_address' });
  const respCode = h('input', { name: 'respondent_credit_code' });
  const respondent = h('fieldset.respondent', { hidden: true },
    h('legend', '被投诉经营者（12315）'),
    h('div.row', field('名称', respName), field('地址', respAddress), field('统一社会信用代码', respCode)));
  // The suggestion: the selects start empty (the hub decides) and show the classifier's answer.
  const category = select('category', pairs(cat.categories, '（系统判断）'), '');
  const type = select('type', choices(TYPES, '（系统判断）'), '');
  const urgency = select('urgency', choices(URGENCIES, '（系统判断）'), '');
  const suggestion = h('div.suggestion', { id: 'suggestion', 'aria-live': 'polite' }, h('p.empty', '暂无建议：请先录入诉求内容。'));
  const status = h('div', { id: 'entry-status' });
  const history = h('div', { id: 'caller-box' });
  const chosen = new Set();      // the labels the operator changed from the suggestion
  // A label the operator changes is theirs; the routing it implies is asked for again.
  for (const control of [category, type, urgency]) {
    control.addEventListener('change', () => {
      if (control.value) { chosen.add(control.name); control.classList.add('edited'); }
      else { chosen.delete(control.name); control.classList.remove('edited'); }
      later();
    });
  }
  const regionText = () => (region.value ? region.selectedOptions[0].textContent : '');
  // The labels the operator chose, as the work order carries them.
  function labels() {
    const out = {};
    for (const control of [category, type, urgency]) {
      if (chosen.has(control.name) && control.value) out[control.name] = control.value;
    }
    return out;
  }

  line.addEventListener('change', () => { respondent.hidden = line.value !== '12315'; later(); });
  for (const control of [content, region, respName, title, address]) control.addEventListener('input', later);
  phone.addEventListener('change', lookupCaller);

  let timer = null;
  let asked = 0;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(preview, 500);
  }
  async function preview() {
    const text = content.value.trim();
    if (text.length < 4) {
      fill(suggestion, h('p.empty', '暂无建议：请先录入诉求内容。'));
      return;
    }
    const mine = ++asked;
    fill(suggestion, h('p.loading', '正在分析……'));
    let answer;
    try {
      const order = Object.assign({ content: text, line: line.value, title: title.value.trim(),
                                    region: regionText(), address: address.value.trim() }, labels());
      if (line.value === '12315') order.respondent_name = respName.value.trim();
      for (const key of Object.keys(order)) if (order[key] === '') delete order[key];
      answer = await post('/api/preview', order);
    } catch (error) {
      if (mine !== asked) return;
      fill(suggestion, h('p.empty', error.status === 404 ? '暂无建议（智能分类暂不可用），请手动选择或由系统判断。'
                                                         : '暂无建议：' + error.message));
      return;
    }
    if (mine !== asked) return;
    // The answer names type and urgency in Chinese (投诉, 一般): the selects take their ids.
    for (const [control, value, table] of [[category, answer.category, null], [type, answer.type, TYPES],
                                           [urgency, answer.urgency, URGENCIES]]) {
      if (!chosen.has(control.name) && value) control.value = table ? idOf(table, value) : value;
    }
    const co = (answer.co_departments || []).map((d) => d.name).join('、');
    fill(suggestion,
      h('dl.facts',
        h('dt', '建议分类'), h('dd', { id: 'suggested-category' }, answer.category_name || '—'),
        h('dt', '类型'), h('dd', TYPES[idOf(TYPES, answer.type)] || '—'),
        h('dt', '紧急程度'), h('dd', URGENCIES[idOf(URGENCIES, answer.urgency)] || '—'),
        h('dt', '主办单位'), h('dd', { id: 'suggested-lead' }, answer.lead_department_name || (answer.lead_department ? departmentName(cat, answer.lead_department) : '—')),
        h('dt', '协办单位'), h('dd', co || '无'),
        h('dt', '把握'), h('dd', answer.confidence !== undefined && answer.confidence !== null ? Math.round(answer.confidence * 100) + '%' : '—')),
      answer.triage ? notice('分类把握不足：提交后将进入人工分拨。', 'warn') : null,
      answer.rule || answer.explanation ? h('p.explain', { id: 'suggested-why' },
        '派单依据：' + (answer.rule ? '职责规则 ' + answer.rule : '') + (chineseBasis(answer.explanation) ? '：' + chineseBasis(answer.explanation) : '')) : null);
  }

  async function lookupCaller() {
    const number = phone.value.trim();
    if (number.length < 5) { fill(history); return; }
    try {
      const items = await get('/api/callers' + query({ phone: number }));
      fill(history, h('h3', '该来电人的诉求记录（' + items.length + ' 件）'), callerTable(items));
    } catch (error) {
      fill(history, notice(error.message, 'error'));
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = content.value.trim();
    const body = {
      line: line.value, caller_name: callerName.value.trim(), phone: phone.value.trim(),
      address: address.value.trim(), region: regionText(), content: text,
      title: title.value.trim() || text.replace(/\s+/g, ' ').slice(0, 20),
    };
    if (line.value === '12315') {
      Object.assign(body, { respondent_name: respName.value.trim(), respondent_address: respAddress.value.trim(),
                            respondent_credit_code: respCode.value.trim() });
    }
    Object.assign(body, labels());
    if (consent.checked) body.reporter_consent = true;
    for (const key of Object.keys(body)) if (body[key] === '') delete body[key];
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const made = await post('/api/complaints', body);
      fill(status, h('div.notice.info', { role: 'status', id: 'entered' }, '已登记工单 ',
        h('a', { href: '#/c/' + made.number, id: 'entered-number' }, made.number), '，请告知来电人。'));
      form.reset();
      chosen.clear();
      for (const control of [category, type, urgency]) control.classList.remove('edited');
      respondent.hidden = true;
      fill(suggestion, h('p.empty', '暂无建议：请先录入诉求内容。'));
      fill(history);
    } catch (error) {
      fill(status, notice('未能登记：' + error.message, 'error'));
    } finally {
      button.disabled = false;
    }
  });

  fill(form,
    h('div.entry-grid',
      h('section.card',
        h('h2', '来电信息'),
        h('div.row', field('热线', line), field('来电人', callerName), field('联系电话', phone, '输入后显示该来电人的历史诉求')),
        h('div.row', field('地址', address), field('乡镇街道', region)),
        field('标题', title),
        field('诉求内容', content),
        respondent,
        h('label.choice', consent, '举报人同意向承办单位公开身份')),
      h('section.card',
        h('h2', '智能建议'),
        suggestion,
        h('h3', '确认或修改'),
        field('分类', category), field('类型', type), field('紧急程度', urgency),
        h('p.hint', '未修改的项目由系统分类；主办单位按最终分类依职责清单确定。'),
        h('button.primary', { type: 'submit' }, '提交工单'))),
    history);
  fill(view, h('div.page-head', h('h1', '新建工单'), h('p.sub', '边接听边录入；系统在提交前给出分类和派单建议。')), status, form);
}

export async function lookup(view) {
  const number = h('input', { name: 'number', placeholder: '如 12345-20261204-000001' });
  const phone = h('input', { name: 'phone', inputmode: 'tel' });
  const result = h('div', { id: 'lookup-result' });
  fill(view,
    h('div.page-head', h('h1', '工单查询')),
    h('div.two',
      h('form.card', { on: { submit: (e) => { e.preventDefault(); if (number.value.trim()) location.hash = '#/c/' + number.value.trim(); } } },
        h('h2', '按工单编号'), field('工单编号', number), h('button.primary', { type: 'submit' }, '查询')),
      h('form.card', { id: 'phone-form', on: { submit: async (e) => {
        e.preventDefault();
        try {
          const items = await get('/api/callers' + query({ phone: phone.value.trim() }));
          fill(result, h('section.card', h('h2', '来电人 ' + phone.value.trim() + ' 的诉求（' + items.length + ' 件）'), callerTable(items)));
        } catch (error) {
          fill(result, notice(error.message, 'error'));
        }
      } } }, h('h2', '按来电号码'), field('联系电话', phone), h('button.primary', { type: 'submit' }, '查询'))),
    result);
}

export async function callbacks(view, { user }) {
  const list = h('section.card');
  fill(view, h('div.page-head', h('h1', '待回访'), h('p.sub', '已答复的工单：打开工单，在“回访”中记录诉求人的满意度。')), list);
  complaintList(list, { id: 'callbacks', user, limit: 15, filters: ['channel', 'q'], fixed: { state: 'responded' },
                        empty: '目前没有待回访的工单。' });
}
