// detail: one complaint (GET /api/complaints/NUMBER): what was asked and by whom (masked on a
// 举报 unless the reporter consented; a supervisor may unmask, which is recorded), how it was
// classified and routed and why, its deadlines, replies, co-handlers' opinions, call-backs,
// what went back to the citizen through its channel (queued, sent, failed and why), the
// follow-ups and files the citizen sent, its whole history, and the actions the user may take.

import { get } from './api.js';
import { h, fill, when, notice } from './dom.js';
import { STATES, TYPES, URGENCIES, CHANNELS, STAGES, SATISFACTION, DELIVERY_KINDS, DELIVERY_VIAS,
  DELIVERY_STATES, MESSAGE_KINDS } from './labels.js';
import { catalog, departmentName } from './catalog.js';
import { light, marks } from './list.js';
import { historyTable, routingBasis } from './history.js';
import { panel, unmask } from './actions.js';

function rows(pairs) {
  return h('dl.facts', pairs.filter(Boolean).map(([term, value]) => [h('dt', term), h('dd', value ?? '—')]));
}

// The reasons of the last classification and dispatch, from the history.
function explanation(c, cat) {
  const last = (test) => [...c.history].reverse().find(test);
  const classified = last((e) => e.kind === 'state' && e.to_state === 'classified' && e.detail && e.detail.category);
  const routed = last((e) => e.kind === 'state' && ['dispatched', 'triage'].includes(e.to_state));
  const out = [];
  if (classified) {
    const d = classified.detail;
    const how = (x) => !x ? '—' : x.by === 'rule' ? '规则 ' + x.rule : x.by === 'operator' ? '接线员选定'
      : x.confidence !== undefined ? '模型，置信度 ' + Math.round(x.confidence * 100) + '%' : (x.by || '—');
    out.push(['分类依据', '分类：' + how(d.category) + '；类型：' + how(d.type) + '；紧急程度：' + how(d.urgency)
              + (d.low_confidence ? '（把握不足）' : '')]);
  }
  if (routed) {
    const d = routed.detail || {};
    if (d.redispatched) out.push(['派单依据', '督办员改派：' + (d.reason || '')]);
    else if (routed.to_state === 'triage') out.push(['派单依据', '未能自动派单，转人工分拨']);
    else {
      const basis = routingBasis(d.reason);
      const chinese = /[\u4e00-\u9fff]/.test(basis) ? basis : '';
      out.push(['派单依据', (d.rule ? '职责规则 ' + d.rule : '职责清单') + (chinese ? '：' + chinese : '')]);
    }
  }
  return out;
}

function person(c, user, redraw) {
  const p = c.person || {};
  const cells = [['诉求人', p.caller_name], ['联系电话', p.phone]];
  if (p.email) cells.push(['电子邮箱', p.email]);
  const box = h('div', rows(cells));
  if (p.masked) {
    box.append(h('p.masked', { id: 'masked-note' }, '举报人身份已保护（未同意公开）。'));
    if (user.role === 'supervisor' || user.role === 'admin') {
      box.append(h('button', { type: 'button', id: 'unmask', on: { click: async () => {
        try {
          const shown = await unmask(c.number);
          fill(box, rows([['诉求人', shown.caller_name], ['联系电话', shown.phone], shown.email ? ['电子邮箱', shown.email] : null]),
               notice('已显示举报人真实身份；本次查看已记入审计记录。'));
        } catch (error) {
          box.append(notice(error.message, 'error'));
        }
      } } }, '查看真实身份（将记入审计）'));
    }
  }
  return box;
}

function size(bytes) {
  return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + ' MB' : bytes >= 1024 ? Math.round(bytes / 1024) + ' KB' : bytes + ' 字节';
}

// What went back to the citizen, what the citizen added, and the files.
function channelCard(c) {
  const deliveries = c.deliveries || [], messages = c.messages || [], files = c.attachments || [];
  if (!deliveries.length && !messages.length && !files.length) return null;
  return h('section.card', { id: 'channel' }, h('h2', '送达与补充材料'),
    deliveries.length ? h('table.small', { id: 'deliveries' },
      h('thead', h('tr', h('th', '内容'), h('th', '方式'), h('th', '状态'), h('th', '次数'), h('th', '时间'), h('th', '原因'))),
      h('tbody', deliveries.map((d) => h('tr', { class: 'delivery-' + d.state },
        h('td', DELIVERY_KINDS[d.kind] || d.kind), h('td', DELIVERY_VIAS[d.via] || d.via),
        h('td', DELIVERY_STATES[d.state] || d.state), h('td', String(d.tries)),
        h('td.time', when(d.sent_at || d.next_try_at || d.queued_at)), h('td', d.last_error || ''))))) : null,
    messages.length ? h('ul.entries', { id: 'follow-ups' }, messages.map((m) => h('li', h('b', (MESSAGE_KINDS[m.kind] || m.kind) + ' '),
      when(m.received_at) + ' ' + (m.subject ? '《' + m.subject + '》 ' : '') + (m.label || m.body || m.pic_url || '')))) : null,
    files.length ? h('ul.entries', { id: 'attachments' }, files.map((f) => h('li',
      h('a', { href: '/api/attachments/' + f.id }, f.file_name), ' （' + f.content_type + '，' + size(f.size) + '）'))) : null);
}

export async function show(view, { user, arg }, message) {
  const [c, cat] = await Promise.all([get('/api/complaints/' + encodeURIComponent(arg)), catalog()]);
  const redraw = (text) => show(view, { user, arg }, text);
  const deadlineRows = Object.keys(STAGES).filter((s) => c.deadlines && c.deadlines[s]).map((s) => {
    const d = c.deadlines[s];
    const state = d.met ? '已完成 ' + when(d.met) : d.overdue ? '已超期' : d.reminded ? '临近期限' : '进行中';
    return h('tr', h('td', STAGES[s]), h('td.time', when(d.due)), h('td', state));
  });
  const respondent = c.respondent ? [c.respondent.name, c.respondent.address, c.respondent.credit_code].filter(Boolean).join('，') : null;
  const waiting = [];
  if (c.extension_waiting) {
    waiting.push(notice('延期申请待审批：' + (STAGES[c.extension_waiting.stage] || '') + '延期 '
      + String(c.extension_waiting.within).replace('wd', ' 个工作日') + '，理由：' + c.extension_waiting.reason));
  }
  if (c.return_waiting) {
    waiting.push(notice('退单申请待审核：' + departmentName(cat, c.return_waiting.department) + '，理由：' + c.return_waiting.reason));
  }
  if (c.paused) waiting.push(notice('计时已暂停（暂时无法联系诉求人）。'));

  fill(view,
    h('div.page-head',
      h('a.back', { href: '#/', on: { click: (e) => { e.preventDefault(); history.back(); } } }, '← 返回'),
      h('h1', { id: 'complaint-title' }, c.title || '（无标题）'),
      h('p.sub', h('span.number', { id: 'complaint-number' }, c.number), ' ',
        h('span.badge', { id: 'complaint-state' }, STATES[c.state] || c.state), ' ', light(c.light), ' ', marks(c))),
    message ? notice(message) : null,
    waiting,
    h('div.detail',
      h('div.main-col',
        h('section.card', h('h2', '诉求内容'),
          rows([['渠道', CHANNELS[c.channel] || c.channel], ['受理时间', when(c.received_at)],
                ['地址', c.address], ['乡镇街道', c.region], respondent ? ['被投诉经营者', respondent] : null]),
          h('p.content', { id: 'complaint-content' }, c.content)),
        h('div.two',
          h('section.card', h('h2', '诉求人'), person(c, user, redraw)),
          h('section.card', h('h2', '办理期限'),
            deadlineRows.length ? h('table.small', h('thead', h('tr', h('th', '环节'), h('th', '期限'), h('th', '情况'))), h('tbody', deadlineRows))
              : h('p.empty', '尚未派单，暂无期限。'))),
        h('section.card', h('h2', '分类与派单'),
          rows([['分类', c.category_name], ['类型', TYPES[c.type]], ['紧急程度', URGENCIES[c.urgency]],
                ['主办单位', c.lead_department_name],
                ['协办单位', (c.co_departments || []).map((id) => departmentName(cat, id)).join('、') || '无'],
                ...explanation(c, cat)])),
        c.replies.length || c.co_opinions.length || c.callbacks.length ? h('section.card', h('h2', '答复、协办意见与回访'),
          h('ul.entries', { id: 'replies' },
            c.replies.map((r) => h('li', h('b', '答复 '), when(r.at) + ' ' + departmentName(cat, r.department) + '：' + r.body)),
            c.co_opinions.map((o) => h('li', h('b', '协办意见 '), when(o.at) + ' ' + departmentName(cat, o.department) + '：' + o.body)),
            c.callbacks.map((b) => h('li', h('b', '回访 '), when(b.at) + ' ' + (SATISFACTION[b.satisfaction] || b.satisfaction)
              + (b.note ? '：' + b.note : '') + (b.reopened ? '（已退回重办）' : ''))))) : null,
        channelCard(c),
        h('section.card', h('h2', '办理记录（审计）'), historyTable(c.history, cat))),
      h('div.side-col', panel(c, user, cat, redraw))));
}
