// history: a complaint's events (its audit trail) in words: what happened, who did it, when,
// and from which address a person did it.

import { h, when } from './dom.js';
import { STATES, STAGES, CHANNELS, SATISFACTION, TYPES, URGENCIES, EVENTS, actor } from './labels.js';
import { departmentName, categoryName } from './catalog.js';

// The Chinese part of a routing reason ("rule x (...): 附件...") when it has one.
export function routingBasis(reason) {
  if (!reason) return '';
  const at = reason.indexOf('): ');
  return at >= 0 ? reason.slice(at + 3) : reason;
}

function departments(cat, ids) {
  return (ids || []).map((id) => departmentName(cat, id)).join('、');
}

// One event's description, in Chinese.
export function describe(event, cat) {
  const d = event.detail || {};
  switch (event.kind) {
    case 'received':
      return '经' + (CHANNELS[d.channel] || d.channel || '') + '受理';
    case 'state': {
      const move = (STATES[event.from_state] || '') + ' → ' + (STATES[event.to_state] || event.to_state);
      const parts = [move];
      if (event.to_state === 'classified' && d.category) {
        const value = (x) => (x && x.value) || x;
        parts.push('分类：' + categoryName(cat, value(d.category)) + '，类型：' + (TYPES[value(d.type)] || '—')
                   + '，紧急程度：' + (URGENCIES[value(d.urgency)] || '—'));
      }
      if (d.returned_by) parts.push('退回单位：' + departmentName(cat, d.returned_by) + '，理由：' + (d.reason || ''));
      else if (d.redispatched) parts.push('改派' + (d.from ? '（原主办：' + departmentName(cat, d.from) + '）' : '') + '，理由：' + (d.reason || ''));
      else if (event.to_state === 'dispatched' && d.lead) {
        parts.push('主办：' + departmentName(cat, d.lead) + (d.co && d.co.length ? '，协办：' + departments(cat, d.co) : ''));
      } else if (event.to_state === 'triage') {
        parts.push(d.excluded && d.excluded.length ? '原单位已退回，转人工分拨' : '分类把握不足，转人工分拨');
      }
      if (d.reopened) parts.push('回访不满意，重新办理：' + (d.note || ''));
      if (d.result) parts.push('办结结果：' + d.result);
      if (d.sent_via) parts.push('已答复（' + (d.sent_via === 'phone' ? '电话' : CHANNELS[d.sent_via] || d.sent_via) + '）');
      return parts.join('；');
    }
    case 'deadlines':
      return Object.keys(STAGES).filter((s) => d[s]).map((s) => STAGES[s] + ' ' + when(d[s])).join('；');
    case 'deadline_moved':
      return (STAGES[d.stage] || d.stage) + '期限 ' + when(d.from) + ' → ' + when(d.to);
    case 'note':
      return (d.department ? departmentName(cat, d.department) + '：' : '') + (d.body || '');
    case 'co_opinion':
      return departmentName(cat, d.department) + '提交协办意见';
    case 'callback':
      return (SATISFACTION[d.satisfaction] || d.satisfaction) + (d.note ? '：' + d.note : '') + (d.reopened ? '（重新办理）' : '');
    case 'extension_requested':
      return (STAGES[d.stage] || d.stage) + '延期 ' + (d.within || '').replace('wd', ' 个工作日') + '，理由：' + (d.reason || '');
    case 'extension_approved':
    case 'extension_refused':
    case 'return_approved':
    case 'return_refused':
      return d.reason ? '意见：' + d.reason : '';
    case 'return_requested':
      return departmentName(cat, d.department) + '申请退单，理由：' + (d.reason || '');
    case 'paused':
    case 'resumed':
      return d.reason || d.note || '';
    case 'urged':
      return '督办' + (d.department ? departmentName(cat, d.department) : '') + '：' + (d.message || '');
    case 'corrected':
      return '人工分类' + (d.reason ? '，理由：' + d.reason : '');
    case 'unmasked':
      return '查看了举报人的真实身份';
    default:
      return Object.entries(d).filter(([, v]) => typeof v !== 'object').map(([k, v]) => k + '：' + v).join('；');
  }
}

// The events as a table: 时间, 事项, 操作人, 说明, 来源地址.
export function historyTable(events, cat) {
  return h('table.history', { id: 'history' },
    h('thead', h('tr', h('th', '时间'), h('th', '事项'), h('th', '操作人'), h('th', '说明'), h('th', '来源地址'))),
    h('tbody', events.map((event) => h('tr', { 'data-kind': event.kind },
      h('td.time', when(event.at)),
      h('td', EVENTS[event.kind] || event.kind),
      h('td', actor(event.actor)),
      h('td.describe', describe(event, cat)),
      h('td', (event.detail && event.detail.client) || (event.actor && event.actor.startsWith('user:') ? '—' : '系统内部'))))));
}
