// department: a department's dispatch desk (部门工作台): its queue of complaints as lead or
// co-handler, soonest deadline first, with the lights and filters.  Supervisors and admins
// see every complaint here ("全部工单").

import { h, fill } from './dom.js';
import { complaintList } from './list.js';

export async function queue(view, { user }) {
  const mine = user.role === 'department';
  const list = h('section.card');
  fill(view,
    h('div.page-head',
      h('h1', mine ? user.department_name + ' · 工单队列' : '全部工单'),
      h('p.sub', '按最近期限排序；红灯为已超期，黄灯为临近期限。')),
    list);
  complaintList(list, {
    id: 'queue', user, limit: 15,
    filters: ['state', 'light', 'channel', 'role', 'q'],
    defaults: { state: 'open' },
  });
}
