// list: a paged list of complaints from GET /api/complaints, its filters sent to the server
// (never everything loaded: one page of `limit` at a time, with the total), soonest deadline
// first, each row a link to the complaint.  The departments' queue, the supervisors' lists
// and the operators' call-backs are all this list with other filters.

import { get, query } from './api.js';
import { h, fill, field, select, when, notice } from './dom.js';
import { STATES, CHANNELS, TYPES, LIGHT_SHORT, choices } from './labels.js';

const remembered = new Map();   // each list's filters and page, kept while the app runs

// The light as a dot with its word (colour is never the only sign).
export function light(value) {
  if (!value) return h('span.light.none', '—');
  return h('span.light.' + value, { title: LIGHT_SHORT[value] }, LIGHT_SHORT[value] || value);
}

// The marks of a row: urged, paused, a decision waiting.
export function marks(item) {
  return [
    item.urged ? h('span.mark.urged', '督办×' + item.urged) : null,
    item.paused ? h('span.mark.paused', '暂停中') : null,
    item.extension_waiting ? h('span.mark.waiting', '待审延期') : null,
    item.return_waiting ? h('span.mark.waiting', '待审退单') : null,
  ];
}

// Draw a list into container.  options: id (to remember its filters), filters (which of
// state, light, channel, role, q to offer), fixed (filters always sent), defaults, limit,
// user, empty (text when nothing matches), compact (fewer columns), extra (a function of a
// row giving more cells, with extraHead their headings).
export function complaintList(container, options) {
  const key = options.id;
  const state = remembered.get(key) || { filter: Object.assign({}, options.defaults || {}), offset: 0 };
  remembered.set(key, state);
  const limit = options.limit || 20;
  const filters = options.filters || [];
  const form = h('form.filters', { on: { submit: (e) => { e.preventDefault(); apply(); } } });
  const controls = {};
  if (filters.includes('state')) {
    controls.state = select('state', [['open', '未办结'], ['', '全部状态'], ...choices(STATES)], state.filter.state);
    form.append(field('状态', controls.state));
  }
  if (filters.includes('light')) {
    controls.light = select('light', [['', '全部'], ['red', '超期（红灯）'], ['yellow', '临期（黄灯）'], ['green', '正常（绿灯）']], state.filter.light);
    form.append(field('期限', controls.light));
  }
  if (filters.includes('channel')) {
    controls.channel = select('channel', choices(CHANNELS, '全部渠道'), state.filter.channel);
    form.append(field('渠道', controls.channel));
  }
  if (filters.includes('role') && options.user && options.user.role === 'department') {
    controls.role = select('role', [['', '主办和协办'], ['lead', '本单位主办'], ['co', '本单位协办']], state.filter.role);
    form.append(field('角色', controls.role));
  }
  if (filters.includes('q')) {
    controls.q = h('input', { type: 'search', name: 'q', value: state.filter.q || '', placeholder: '编号、标题或内容' });
    form.append(field('搜索', controls.q));
  }
  if (filters.length) form.append(h('div.field.actions', h('button', { type: 'submit' }, '筛选')));
  for (const control of Object.values(controls)) {
    if (control.tagName === 'SELECT') control.addEventListener('change', apply);
  }
  const body = h('div.list-body');
  fill(container, filters.length ? form : null, body);

  function apply() {
    for (const [name, control] of Object.entries(controls)) state.filter[name] = control.value.trim();
    state.offset = 0;
    load();
  }

  async function load() {
    const params = Object.assign({}, state.filter, options.fixed || {}, { limit, offset: state.offset });
    fill(body, h('p.loading', '正在加载……'));
    let answer;
    try {
      answer = await get('/api/complaints' + query(params));
    } catch (error) {
      fill(body, notice(error.message, 'error'));
      return;
    }
    draw(answer);
  }

  function draw({ items, total }) {
    if (!items.length) {
      fill(body, h('p.empty', options.empty || '没有符合条件的工单。'));
      return;
    }
    const showLead = !options.user || options.user.role !== 'department';
    const wide = !options.compact;
    const table = h('table.list', { 'data-list': key },
      h('thead', h('tr',
        h('th', '期限'), h('th', '工单编号'), h('th', '标题'), wide ? [h('th', '分类'), h('th', '类型'),
        h('th', '渠道')] : null, h('th', '状态'), h('th', showLead ? '主办单位' : '本单位'),
        wide ? h('th', '受理时间') : null, h('th', '最近期限'), wide ? h('th', '标记') : null,
        (options.extraHead || []).map((text) => h('th', text)))),
      h('tbody', items.map((item) => h('tr', { 'data-number': item.number },
        h('td', light(item.light)),
        h('td.number', h('a', { href: '#/c/' + item.number }, item.number)),
        h('td.title', h('a', { href: '#/c/' + item.number }, item.title || '（无标题）')),
        wide ? [h('td', item.category_name || '—'),
          h('td', TYPES[item.type] || '—'),
          h('td', CHANNELS[item.channel] || item.channel)] : null,
        h('td', STATES[item.state] || item.state),
        h('td', showLead ? (item.lead_department_name || '—')
          : (item.lead_department === options.user.department ? '主办' : '协办')),
        wide ? h('td.time', when(item.received_at)) : null,
        h('td.time', when(item.due_at)),
        wide ? h('td', marks(item)) : null,
        options.extra ? options.extra(item) : null))));
    const pages = Math.max(1, Math.ceil(total / limit));
    const page = Math.floor(state.offset / limit) + 1;
    const pager = h('div.pager',
      h('span.total', { 'data-total': total }, '共 ' + total + ' 件，第 ' + page + ' / ' + pages + ' 页'),
      h('button', { type: 'button', disabled: page <= 1, on: { click: () => { state.offset -= limit; load(); } } }, '上一页'),
      h('button', { type: 'button', disabled: page >= pages, on: { click: () => { state.offset += limit; load(); } } }, '下一页'));
    fill(body, table, pager);
  }

  load();
  return { reload: load };
}

