// supervisor: the supervisors' desk (督办).  The overdue board (GET /api/overdue: every overdue
// and soon-due stage, by department, days over, escalated or not, urged how often); the
// decisions waiting (extensions and returns, listed by the server's `waiting` filter and
// decided on the spot); the manual triage queue (state triage).  Departments see their own
// part of the overdue board.

import { get, post } from './api.js';
import { h, fill, when, notice } from './dom.js';
import { STATES, STAGES } from './labels.js';
import { catalog, departmentName } from './catalog.js';
import { complaintList, light } from './list.js';

const PAGE = 25;

export async function overdue(view, { user }) {
  const rows = await get('/api/overdue');
  const byDept = new Map();
  for (const r of rows) {
    const key = r.department || '-';
    const d = byDept.get(key) || { id: key, name: r.department_name || '（未派单）', red: 0, yellow: 0, escalated: 0, worst: null };
    if (r.light === 'red') d.red++; else d.yellow++;
    if (r.escalated) d.escalated++;
    if (r.light === 'red' && (d.worst === null || r.days_over > d.worst)) d.worst = r.days_over;
    byDept.set(key, d);
  }
  const depts = [...byDept.values()].sort((a, b) => b.red - a.red || b.yellow - a.yellow);
  let chosen = '';
  let offset = 0;
  const detail = h('section.card');
  const summary = h('table.small', { id: 'overdue-summary' },
    h('thead', h('tr', h('th', '承办单位'), h('th', '已超期'), h('th', '临期'), h('th', '已升级'), h('th', '最长超期（天）'))),
    h('tbody', depts.map((d) => h('tr',
      h('td', h('a', { href: '#/overdue', on: { click: (e) => { e.preventDefault(); chosen = d.id; offset = 0; draw(); } } }, d.name)),
      h('td.num.red-text', d.red), h('td.num', d.yellow), h('td.num', d.escalated), h('td.num', d.worst === null ? '—' : d.worst)))));

  function draw() {
    const shown = rows.filter((r) => !chosen || (r.department || '-') === chosen)
      .sort((a, b) => b.days_over - a.days_over);
    const page = shown.slice(offset, offset + PAGE);
    fill(detail,
      h('h2', (chosen ? (byDept.get(chosen) || {}).name + ' · ' : '') + '超期与临期明细（' + shown.length + ' 项）',
        chosen ? h('button.link', { type: 'button', on: { click: () => { chosen = ''; offset = 0; draw(); } } }, '显示全部') : null),
      shown.length ? h('table.list', { id: 'overdue-list' },
        h('thead', h('tr', h('th', '期限'), h('th', '工单编号'), h('th', '承办单位'), h('th', '环节'), h('th', '状态'),
          h('th', '到期时间'), h('th', '超期天数'), h('th', '升级'), h('th', '督办'))),
        h('tbody', page.map((r) => h('tr', { 'data-number': r.number },
          h('td', light(r.light)),
          h('td.number', h('a', { href: '#/c/' + r.number }, r.number)),
          h('td', r.department_name || '—'), h('td', STAGES[r.stage] || r.stage), h('td', STATES[r.state] || r.state),
          h('td.time', when(r.due_at)),
          h('td.num', r.days_over > 0 ? r.days_over : '剩 ' + (-r.days_over)),
          h('td', r.escalated ? '已升级' : '—'),
          h('td', r.urged ? '已督办 ' + r.urged + ' 次' : '—'))))) : h('p.empty', '没有超期或临期的工单。'),
      shown.length > PAGE ? h('div.pager',
        h('span.total', '第 ' + (offset / PAGE + 1) + ' / ' + Math.ceil(shown.length / PAGE) + ' 页'),
        h('button', { type: 'button', disabled: offset === 0, on: { click: () => { offset -= PAGE; draw(); } } }, '上一页'),
        h('button', { type: 'button', disabled: offset + PAGE >= shown.length, on: { click: () => { offset += PAGE; draw(); } } }, '下一页')) : null);
  }
  const red = rows.filter((r) => r.light === 'red').length;
  fill(view,
    h('div.page-head', h('h1', user.role === 'department' ? '超期预警' : '超期督办'),
      h('p.sub', '已超期 ' + red + ' 项，临期 ' + (rows.length - red) + ' 项（暂停计时的工单不计）。打开工单可督办。')),
    h('div.overdue',
      h('section.card', h('h2', '按承办单位'), depts.length ? summary : h('p.empty', '没有超期或临期的工单。')),
      detail));
  draw();
}

// A decision row's own cells: the request and buttons that decide it at once.
function decider(kind, cat, reload) {
  return (item) => {
    const cell = h('td.decide', h('span.loading', '……'));
    get('/api/complaints/' + item.number).then((c) => {
      const request = kind === 'extension' ? c.extension_waiting : c.return_waiting;
      if (!request) { fill(cell, '已处理'); return; }
      const reason = h('input', { name: 'reason', placeholder: '审批意见', 'aria-label': '审批意见' });
      const target = kind === 'return' ? h('select', { name: 'department', 'aria-label': '改派至' },
        h('option', { value: '' }, '改派至……'),
        cat.departments.filter((d) => d.id !== request.department).map((d) => h('option', { value: d.id }, d.name))) : null;
      const status = h('span.decide-status');
      async function decide(approve) {
        try {
          if (kind === 'extension') {
            await post('/api/complaints/' + item.number + '/extension', { approve, reason: reason.value.trim() });
          } else {
            if (approve && !target.value) throw new Error('请选择改派的单位');
            await post('/api/complaints/' + item.number + '/return_review', { approve, reason: reason.value.trim() });
            if (approve) await post('/api/complaints/' + item.number + '/redispatch', { department: target.value, reason: reason.value.trim() || '退单审核后改派' });
          }
          reload();
        } catch (error) {
          fill(status, notice(error.message, 'error'));
        }
      }
      fill(cell,
        h('div.request', kind === 'extension'
          ? (STAGES[request.stage] || request.stage) + '延期 ' + String(request.within).replace('wd', ' 个工作日') + '：' + request.reason
          : departmentName(cat, request.department) + '：' + request.reason),
        h('div.decide-row', reason, target,
          h('button.primary', { type: 'button', 'data-decide': 'approve', on: { click: () => decide(true) } }, kind === 'extension' ? '同意' : '同意并改派'),
          h('button', { type: 'button', 'data-decide': 'refuse', on: { click: () => decide(false) } }, '不同意')),
        status);
    }).catch((error) => fill(cell, error.message));
    return cell;
  };
}

export async function waiting(view, { user }) {
  const cat = await catalog();
  const extensions = h('section.card', { id: 'waiting-extensions' });
  const returns = h('section.card', { id: 'waiting-returns' });
  fill(view,
    h('div.page-head', h('h1', '待审批'), h('p.sub', '承办单位的延期申请与退单申请（派单异议）。')),
    h('h2.section', '延期申请'), extensions,
    h('h2.section', '退单申请'), returns);
  const ext = complaintList(extensions, { id: 'waiting-extension', user, limit: 8, compact: true, fixed: { waiting: 'extension' },
    extraHead: ['申请与审批'], extra: decider('extension', cat, () => ext.reload()), empty: '没有待审批的延期申请。' });
  const ret = complaintList(returns, { id: 'waiting-return', user, limit: 8, compact: true, fixed: { waiting: 'return' },
    extraHead: ['申请与审核'], extra: decider('return', cat, () => ret.reload()), empty: '没有待审核的退单申请。' });
}

export async function triage(view, { user }) {
  const list = h('section.card');
  fill(view,
    h('div.page-head', h('h1', '人工分拨'),
      h('p.sub', '智能分类把握不足、或经退单退回的工单：打开工单，人工确定分类后派单，或直接改派。')),
    list);
  complaintList(list, { id: 'triage', user, limit: 15, filters: ['channel', 'q'], fixed: { state: 'triage' },
                        empty: '人工分拨队列为空。' });
}

