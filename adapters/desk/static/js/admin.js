// admin: the admins' desk: the users (GET /api/users; add, change role or department, reset
// a password, disable, through POST /api/users) and the check of the city's YAML
// configuration (POST /api/config/check) with its validation messages, and its reload.

import { get, post } from './api.js';
import { h, fill, field, select, notice } from './dom.js';
import { ROLES, choices } from './labels.js';
import { catalog, pairs } from './catalog.js';

function userForm(cat, user, done) {
  const login = h('input', { name: 'login', value: user ? user.login : '', required: true, readonly: user ? true : null,
                             pattern: '[a-z0-9][a-z0-9_.\\-]{1,31}' });
  const name = h('input', { name: 'name', value: user ? user.name : '', required: true });
  const role = select('role', choices(ROLES), user ? user.role : 'department');
  const department = select('department', pairs(cat.departments, '（无）'), user ? user.department || '' : '');
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: !user, minlength: 8 });
  const disabled = h('input', { type: 'checkbox', name: 'disabled', checked: user ? user.disabled : false });
  const status = h('div');
  const form = h('form.user-form', { 'data-login': user ? user.login : '' },
    h('div.row', field('用户名', login), field('姓名或名称', name), field('角色', role), field('所属单位', department, '部门分拨台须选择单位')),
    h('div.row', field(user ? '新密码（不改则留空）' : '初始密码', password), h('label.choice', disabled, '停用该账号'),
      h('button.primary', { type: 'submit' }, user ? '保存修改' : '添加用户')),
    status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await post('/api/users', { login: login.value.trim(), name: name.value.trim(), role: role.value,
                                 department: role.value === 'department' ? department.value : '',
                                 password: password.value, disabled: disabled.checked });
      done((user ? '已保存用户 ' : '已添加用户 ') + login.value.trim());
    } catch (error) {
      fill(status, notice(error.message, 'error'));
    }
  });
  return form;
}

export async function users(view, ctx, message) {
  const [list, cat] = await Promise.all([get('/api/users'), catalog()]);
  const again = (text) => users(view, ctx, text);
  const editor = h('div', { id: 'user-editor' });
  async function toggle(u) {
    try {
      await post('/api/users', { login: u.login, name: u.name, role: u.role, department: u.department || '', disabled: !u.disabled });
      again((u.disabled ? '已启用 ' : '已停用 ') + u.login);
    } catch (error) {
      fill(editor, notice(error.message, 'error'));
    }
  }
  fill(view,
    h('div.page-head', h('h1', '用户管理'), h('p.sub', '共 ' + list.length + ' 个账号。')),
    message ? notice(message) : null,
    h('details.card', { id: 'add-user' }, h('summary', '添加用户'), userForm(cat, null, again)),
    editor,
    h('section.card', h('div.table-wrap.tall', h('table.list', { id: 'users' },
      h('thead', h('tr', h('th', '用户名'), h('th', '姓名或名称'), h('th', '角色'), h('th', '所属单位'), h('th', '状态'), h('th', '操作'))),
      h('tbody', list.map((u) => h('tr', { 'data-login': u.login },
        h('td', u.login), h('td', u.name), h('td', ROLES[u.role] || u.role), h('td', u.department_name || '—'),
        h('td', u.disabled ? h('span.mark.waiting', '已停用') : u.locked ? h('span.mark.urged', '已锁定') : '正常'),
        h('td', h('button.link', { type: 'button', on: { click: () => { fill(editor, h('section.card', h('h2', '修改用户 ' + u.login), userForm(cat, u, again))); editor.scrollIntoView(); } } }, '修改'),
          ' ', h('button.link', { type: 'button', 'data-toggle': u.login, on: { click: () => toggle(u) } }, u.disabled ? '启用' : '停用')))))))));
}

export async function config(view) {
  const result = h('div', { id: 'config-result' });
  const check = h('button', { type: 'button', id: 'config-check' }, '检查配置');
  const reload = h('button.primary', { type: 'button', id: 'config-reload' }, '检查并重新载入');
  async function run(load) {
    check.disabled = reload.disabled = true;
    fill(result, h('p.loading', '正在检查……'));
    let answer;
    try {
      answer = await post('/api/config/check', { reload: load });
    } catch (error) {
      answer = error.status === 422 && error.body ? error.body : null;
      if (!answer) { fill(result, notice(error.message, 'error')); check.disabled = reload.disabled = false; return; }
    }
    fill(result,
      notice(!answer.valid ? '配置有误，请按下列提示修改：'
        : answer.reloaded ? '配置有效，已重新载入：工作台即时生效，各工作进程在下一次巡检时（数秒内）采用。'
          : '配置有效。点“检查并重新载入”即可启用。', answer.valid ? 'info' : 'error'),
      answer.valid ? null : h('ul.messages', answer.messages.map((m) => h('li', h('code', m)))));
    check.disabled = reload.disabled = false;
  }
  check.addEventListener('click', () => run(false));
  reload.addEventListener('click', () => run(true));
  fill(view,
    h('div.page-head', h('h1', '配置检查与载入'),
      h('p.sub', '检查市里的 YAML 配置（分类、职责清单、分类规则、工作日历、办理时限）能否载入；有效的配置可重新载入，无需重启。')),
    h('section.card', h('div.decide-row', check, reload), result));
}
