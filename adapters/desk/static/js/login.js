// login: the login page (POST /api/login), with the refusals in Chinese: a wrong password,
// an account locked after five of them, too many logins from one address.

import { post } from './api.js';
import { h, fill, field, notice } from './dom.js';

export function show(view, { message, onLogin }) {
  const user = h('input', { name: 'user', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('div', { id: 'login-status' }, message ? notice(message) : null);
  const button = h('button.primary', { type: 'submit' }, '登录');
  const form = h('form.login', { id: 'login-form', on: { submit } },
    h('h1', '诉求分拨工作台'),
    h('p.sub', '12345 政务服务便民热线 · 12315 市场监管投诉举报热线'),
    status,
    field('用户名', user),
    field('密码', password),
    button);

  async function submit(event) {
    event.preventDefault();
    button.disabled = true;
    try {
      const who = await post('/api/login', { user: user.value.trim(), password: password.value });
      onLogin(who);
    } catch (error) {
      const text = error.status === 401 ? '用户名或密码错误。连续输错五次，账号将被暂时锁定。'
        : error.status === 423 ? '连续输错密码五次，账号已被暂时锁定，请稍后再试或联系管理员。'
        : error.message;
      fill(status, notice(text, 'error'));
      password.value = '';
      password.focus();
    } finally {
      button.disabled = false;
    }
  }
  fill(view, h('div.login-page', form));
  user.focus();
}
