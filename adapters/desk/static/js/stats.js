// stats: the measures (GET /api/stats?from=&to=&by=) of any period per department, category,
// region or line, as a table and as charts drawn with Apache ECharts (/vendor/echarts.min.js,
// loaded the first time the page is shown), a CSV export of the same rows, and the hotlines'
// answer rate (GET /api/calls) for supervisors.

import { get, query } from './api.js';
import { h, fill, field, select, num, notice, shanghaiDate } from './dom.js';
import { BY, CHANNELS, choices } from './labels.js';

let echartsLoading = null;

function loadEcharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!echartsLoading) {
    echartsLoading = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = '/vendor/echarts.min.js';
      script.onload = () => resolve(window.echarts);
      script.onerror = () => { echartsLoading = null; reject(new Error('图表组件加载失败')); };
      document.head.append(script);
    });
  }
  return echartsLoading;
}

const period = { from: shanghaiDate(-29), to: shanghaiDate(0), by: 'department' };

function groupName(row, by) {
  if (by === 'line') return CHANNELS[row.group_id] || row.group_id;
  if (!row.group_id || row.group_id === '-') return '（未派单）';
  return row.group_name || row.group_id;
}

const COLUMNS = [
  ['received', '受理'], ['responded', '已答复'], ['responded_rate', '答复率', '%'], ['closed', '办结'],
  ['closed_on_time', '按时办结'], ['on_time_rate', '按时办结率', '%'], ['overdue_now', '当前超期'],
  ['returns', '退单'], ['extensions', '延期'], ['callbacks', '回访'], ['satisfied_rate', '满意率', '%'],
];

let charts = [];

export async function show(view, { user }) {
  const from = h('input', { type: 'date', name: 'from', value: period.from, required: true });
  const to = h('input', { type: 'date', name: 'to', value: period.to, required: true });
  const by = select('by', choices(BY), period.by);
  const csv = h('a.button', { id: 'csv', download: '' }, '导出 CSV');
  const quick = [['近7天', -6, 0], ['近30天', -29, 0], ['近90天', -89, 0]].map(([text, a, b]) =>
    h('button', { type: 'button', on: { click: () => { from.value = shanghaiDate(a); to.value = shanghaiDate(b); load(); } } }, text));
  const form = h('form.filters', { id: 'stats-form', on: { submit: (e) => { e.preventDefault(); load(); } } },
    field('开始日期', from), field('结束日期', to), field('分组', by),
    h('div.field.actions', h('button.primary', { type: 'submit' }, '统计'), quick, csv));
  by.addEventListener('change', load);
  const volume = h('div.chart', { id: 'chart-volume', role: 'img', 'aria-label': '受理、办结与超期数量图' });
  const rates = h('div.chart', { id: 'chart-rates', role: 'img', 'aria-label': '答复率、按时办结率与满意率图' });
  const table = h('div.table-wrap', { id: 'stats-table' });
  const calls = h('section.card', { id: 'calls' });
  const status = h('div');
  fill(view,
    h('div.page-head', h('h1', user.role === 'department' ? '办理统计' : '统计分析')),
    form, status,
    h('div.charts', h('section.card', h('h2', '受理与办结'), volume), h('section.card', h('h2', '答复、按时办结与满意'), rates)),
    h('section.card', h('h2', '指标明细'), table),
    user.role === 'department' ? null : calls);

  async function load() {
    Object.assign(period, { from: from.value, to: to.value, by: by.value });
    const params = query({ from: period.from, to: period.to, by: period.by });
    csv.href = '/api/stats' + params + '&format=csv';
    fill(status);
    let rows;
    try {
      rows = await get('/api/stats' + params);
    } catch (error) {
      fill(status, notice(error.message, 'error'));
      return;
    }
    rows.sort((a, b) => (b.received || 0) - (a.received || 0));
    drawTable(rows);
    drawCharts(rows).catch((error) => fill(status, notice(error.message, 'error')));
    if (user.role !== 'department') drawCalls();
  }

  function drawTable(rows) {
    if (!rows.length) { fill(table, h('p.empty', '该期间没有受理的工单。')); return; }
    fill(table, h('table.list.stats',
      h('thead', h('tr', h('th', BY[period.by].replace('按', '')), COLUMNS.map(([, text]) => h('th.num', text)))),
      h('tbody', rows.map((row) => h('tr', h('td', groupName(row, period.by)),
        COLUMNS.map(([key, , suffix]) => h('td.num', num(row[key], suffix || ''))))))));
  }

  async function drawCharts(rows) {
    const echarts = await loadEcharts();
    charts.forEach((c) => c.dispose());
    const top = rows.slice(0, 12);
    const names = top.map((r) => groupName(r, period.by));
    const axis = { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 5 ? 30 : 0, fontSize: 11,
      formatter: (v) => (v.length > 7 ? v.slice(0, 7) + '…' : v) } };
    const base = { textStyle: { fontFamily: 'WenQuanYi Micro Hei, sans-serif' }, tooltip: { trigger: 'axis' },
      legend: { top: 0 }, grid: { left: 40, right: 16, top: 30, bottom: names.length > 5 ? 70 : 30 } };
    const one = echarts.init(volume);
    one.setOption(Object.assign({}, base, { xAxis: axis, yAxis: { type: 'value' }, series: [
      { name: '受理', type: 'bar', data: top.map((r) => r.received) },
      { name: '办结', type: 'bar', data: top.map((r) => r.closed) },
      { name: '当前超期', type: 'bar', data: top.map((r) => r.overdue_now) }] }));
    const two = echarts.init(rates);
    two.setOption(Object.assign({}, base, { xAxis: axis, yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      series: [
        { name: '答复率', type: 'bar', data: top.map((r) => r.responded_rate) },
        { name: '按时办结率', type: 'bar', data: top.map((r) => r.on_time_rate) },
        { name: '满意率', type: 'line', data: top.map((r) => r.satisfied_rate) }] }));
    charts = [one, two];
  }

  async function drawCalls() {
    try {
      const lines = await get('/api/calls' + query({ from: period.from, to: period.to }));
      const lineName = { all: '全部热线', 12345: '12345', 12315: '12315' };
      fill(calls, h('h2', '热线接通率'),
        h('table.small', h('thead', h('tr', h('th', '热线'), h('th.num', '呼入'), h('th.num', '接通'), h('th.num', '放弃'),
          h('th.num', '接通率'), h('th.num', '工作时间接通率'), h('th.num', '目标'))),
        h('tbody', lines.map((l) => h('tr', h('td', lineName[l.line] || l.line), h('td.num', l.offered), h('td.num', l.answered),
          h('td.num', l.abandoned), h('td.num', num(l.answer_rate, '%')), h('td.num', num(l.wh_answer_rate, '%')),
          h('td.num', num(l.target_rate, '%')))))),
        lines.every((l) => !l.offered) ? h('p.hint', '该期间没有话务记录（话务数据由呼叫中心导入）。') : null);
    } catch (error) {
      fill(calls, h('h2', '热线接通率'), notice(error.message, 'error'));
    }
  }

  load();
}
