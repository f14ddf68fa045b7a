// app: the desk's start and its router.  It asks who is logged in (GET /api/session), shows
// the login page when nobody is, and otherwise the menu of the user's role and the page of
// the hash route (#/queue, #/c/NUMBER, ...); a session that ends sends it back to the login.

import { get, post, setCsrf } from './api.js';
import { h, fill, notice } from './dom.js';
import { ROLES } from './labels.js';
import { forget } from './catalog.js';
import * as login from './login.js';
import * as department from './department.js';
import * as detail from './detail.js';
import * as operator from './operator.js';
import * as supervisor from './supervisor.js';
import * as stats from './stats.js';
import * as admin from './admin.js';

// Each role's menu: [hash, text, page]; the first is its home.
const MENUS = {
  operator: [['new', '新建工单', operator.entry], ['lookup', '工单查询', operator.lookup],
             ['callbacks', '待回访', operator.callbacks]],
  department: [['queue', '工单队列', department.queue], ['overdue', '超期预警', supervisor.overdue],
               ['stats', '办理统计', stats.show]],
  supervisor: [['overdue', '超期督办', supervisor.overdue], ['waiting', '待审批', supervisor.waiting],
               ['triage', '人工分拨', supervisor.triage], ['queue', '全部工单', department.queue],
               ['lookup', '工单查询', operator.lookup], ['stats', '统计分析', stats.show]],
  admin: [['users', '用户管理', admin.users], ['config', '配置检查', admin.config],
          ['queue', '全部工单', department.queue], ['stats', '统计分析', stats.show]],
};

const view = document.getElementById('view');
let user = null;
let loginMessage = null;

function route() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  return { name, arg: rest.map(decodeURIComponent).join('/') };
}

function drawHeader() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (!user) {
    fill(nav);
    fill(who);
    return;
  }
  const current = route().name;
  fill(nav, (MENUS[user.role] || []).map(([hash, text]) =>
    h('a', { href: '#/' + hash, 'aria-current': hash === current ? 'page' : null }, text)));
  fill(who,
       h('span', { id: 'user-name' }, user.name),
       h('span.role', (ROLES[user.role] || user.role) + (user.department_name ? ' · ' + user.department_name : '')),
       h('button.link', { type: 'button', id: 'logout', on: { click: logout } }, '退出'));
}

async function render() {
  drawHeader();
  if (!user) {
    document.title = '登录 · 诉求分拨工作台';
    const here = h('div.page');
    fill(view, here);
    login.show(here, { message: loginMessage, onLogin });
    return;
  }
  const menu = MENUS[user.role] || [];
  const { name, arg } = route();
  let page = null;
  if (name === 'c' && arg) page = detail.show;
  else page = (menu.find(([hash]) => hash === name) || [])[2];
  if (!page) {
    if (menu.length) location.replace('#/' + menu[0][0]);
    else fill(view, notice('该账号没有可用的页面。', 'error'));
    return;
  }
  const title = name === 'c' ? '工单 ' + arg : (menu.find(([hash]) => hash === name) || [])[1];
  document.title = title + ' · 诉求分拨工作台';
  // Each page draws into its own element: a page still loading when the user has moved on
  // draws into one that is no longer shown.
  const here = h('div.page', h('p.loading', '正在加载……'));
  fill(view, here);
  try {
    await page(here, { user, arg });
  } catch (error) {
    if (user) fill(here, notice(error.message || String(error), 'error'));
  }
}

function onLogin(who) {
  user = who;
  loginMessage = null;
  setCsrf(who.csrf);
  forget();
  const menu = MENUS[user.role] || [];
  const { name } = route();
  if (!name || name === 'login' || (name !== 'c' && !menu.find(([hash]) => hash === name))) {
    location.hash = menu.length ? '#/' + menu[0][0] : '#/';
  }
  render();
}

async function logout() {
  try {
    await post('/api/logout');
  } catch (error) {
    // the session may have ended already: logged out either way
  }
  user = null;
  setCsrf(null);
  loginMessage = '您已退出登录。';
  render();
}

window.addEventListener('desk:session-ended', () => {
  if (!user) return;
  user = null;
  setCsrf(null);
  loginMessage = '登录已失效（长时间未操作或已在别处退出），请重新登录。';
  render();
});
window.addEventListener('hashchange', render);

(async function start() {
  try {
    const who = await get('/api/session');
    user = who;
    setCsrf(who.csrf);
  } catch (error) {
    user = null;
  }
  render();
})();
