// The staff desks in a real browser (Debian's chromium through playwright-core, never a
// downloaded browser), as their users work at a 1366x768 office screen.
//   node desk.mjs flow BASE_URL OUT_DIR OVERDUE_NUMBER REPORT_NUMBER
// logs in as each role and carries one complaint from the operator's entry (with the
// classifier's suggestion) through sign-for, an extension request, the supervisor's approval,
// the reply and the call-back; a misrouted one through 退单, review and 改派 to another
// department whose desk then sees it; looks at the overdue board, the measures (an ECharts
// canvas), the audit trail, an unmasking, the admin's users and the configuration check; a
// session that ends.  Screenshots go to OUT_DIR; prints one JSON object of what it saw (the
// test in tests/e2e/test_desk_browser.py checks it) and exits 0, or prints the error, exits 1.
//   node desk.mjs shots BASE_URL OUT_DIR
// takes the README's screenshots (docs/desk/*.png) of a hub with the demo data.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [mode, base, out, overdueNumber, reportNumber] = process.argv.slice(2);
if (!['flow', 'shots'].includes(mode) || !base || !out) {
  console.error('usage: node desk.mjs flow|shots BASE_URL OUT_DIR [OVERDUE_NUMBER REPORT_NUMBER]');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const SCHOOL = '我家孩子在实验小学读书，学校食堂的饭菜有异味，好几个学生吃了拉肚子，请教育局查一查食堂。';
const FARM = '我们村有农户在种植蔬菜时使用禁用农药，蔬菜马上要拉去卖，请农业农村局来查处。';

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--lang=zh-CN',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN',
                                           timezoneId: 'Asia/Shanghai' });
const page = await context.newPage();
const problems = [];
page.on('pageerror', (error) => problems.push('page error: ' + error.message));
page.on('console', (message) => {
  // A refused request is logged by the browser itself; the pages' own errors are not expected.
  if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
});

let shot = 0;
async function snap(name, fullPage = false) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${out}/${String(++shot).padStart(2, '0')}-${name}.png`, fullPage });
}

async function text(selector) {
  return (await page.locator(selector).first().innerText()).trim();
}

async function login(user, password) {
  await page.goto(base + '/#/');
  await page.waitForSelector('#login-form');
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', password || 'demo-' + user);
  await page.click('#login-form button[type=submit]');
  if (!password) await page.waitForSelector('#logout');
}

async function logout() {
  await page.click('#logout');
  await page.waitForSelector('#login-form');
}

async function go(hash, selector) {
  // The same address again is no navigation: read the page afresh then.
  if (page.url() === base + '/' + hash) await page.reload();
  else await page.goto(base + '/' + hash);
  if (selector) await page.waitForSelector(selector);
}

// The complaint page, once routing has given it a department (it is routed behind the desk).
async function openRouted(number) {
  for (let i = 0; i < 60; i++) {
    await go('#/c/' + number, '#complaint-state');
    const state = await text('#complaint-state');
    if (!['已受理', '已分类'].includes(state)) return state;
    await page.waitForTimeout(500);
  }
  throw new Error(number + ' was not routed');
}

async function act(action, fill) {
  const details = page.locator(`details.action[data-action=${action}]`);
  if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
  const title = (await details.locator('summary').innerText()).trim();
  const form = page.locator(`form.action[data-action=${action}]`);
  if (fill) await fill(form);
  await form.locator('button[type=submit]').click();
  await page.waitForSelector(`.notice >> text=${title}：已完成`);
}

async function actions() {
  return page.locator('details.action').evaluateAll((all) => all.map((d) => d.dataset.action));
}

async function enter(content, { phone, name, line }) {
  await go('#/new', '#entry-form');
  await page.selectOption('select[name=line]', line || '12345');
  await page.fill('input[name=caller_name]', name);
  await page.fill('input[name=phone]', phone);
  await page.fill('input[name=address]', '乐成街道人民路1号');
  await page.selectOption('select[name=region]', 'lecheng');
  await page.fill('textarea[name=content]', content);
  // The suggestion comes while typing (or says there is none); it is shown before submitting.
  await page.waitForFunction(() => {
    const box = document.getElementById('suggestion');
    return box && !box.querySelector('.loading') && /建议分类|暂无建议/.test(box.innerText) && !/请先录入/.test(box.innerText);
  }, null, { timeout: 20000 });
  const suggestion = await text('#suggestion');
  return suggestion;
}

async function submitEntry() {
  await page.click('#entry-form button[type=submit]');
  await page.waitForSelector('#entered-number');
  return text('#entered-number');
}

async function flow() {
  const seen = {};
  // The login: a wrong password is refused in Chinese.
  await go('#/', '#login-form');
  seen.login_title = await page.title();
  await login('operator', 'not-the-password');
  await page.waitForSelector('#login-status .notice.error');
  seen.bad_login = await text('#login-status');
  await snap('login-refused');

  // The operator enters the school complaint during the call, sees the suggestion first.
  await login('operator');
  seen.operator_menu = await text('#nav');
  seen.suggestion = await enter(SCHOOL, { phone: '13700003333', name: '王五' });
  seen.suggested_lead = await page.locator('#suggested-lead').count() ? await text('#suggested-lead') : null;
  await page.selectOption('select[name=type]', 'complaint');     // the operator's own choice
  seen.type_marked_edited = await page.locator('select[name=type].edited').count();
  await snap('operator-entry');
  seen.number = await submitEntry();
  seen.entered = await text('#entered');
  await snap('operator-entered');
  // The caller's history by phone.
  await go('#/lookup', '#phone-form');
  await page.fill('#phone-form input[name=phone]', '13700003333');
  await page.click('#phone-form button[type=submit]');
  await page.waitForSelector('#caller-history');
  seen.caller_history = await text('#caller-history');
  // The misrouted one, entered too (it goes to 市农业农村局, who hands it back).
  seen.farm_suggestion = await enter(FARM, { phone: '13700004444', name: '赵六' });
  seen.farm_number = await submitEntry();
  await logout();
  seen.logged_out = await text('#login-status');

  // 市教育局's desk: its queue shows the complaint; it signs for it and asks for an extension.
  await login('edu');
  seen.edu_menu = await text('#nav');
  seen.state_routed = await openRouted(seen.number);
  await go('#/queue', 'table[data-list=queue]');
  await page.fill('input[name=q]', seen.number);
  await page.click('form.filters button[type=submit]');
  await page.waitForSelector(`tr[data-number="${seen.number}"]`);
  seen.queue_row = await text(`tr[data-number="${seen.number}"]`);
  seen.queue_total = await text('.pager .total');
  await page.fill('input[name=q]', '');
  await page.click('form.filters button[type=submit]');
  await page.waitForSelector('table.list');
  await snap('department-queue');
  await page.click(`a[href="#/c/${seen.number}"] >> nth=0`);
  await page.waitForSelector('#complaint-state');
  seen.detail_content = await text('#complaint-content');
  seen.detail_text = await text('main');
  seen.edu_actions_dispatched = await actions();
  await snap('department-detail');
  await act('sign');
  seen.state_signed = await text('#complaint-state');
  seen.edu_actions_signed = await actions();
  await act('extend', async (form) => {
    await form.locator('input[name=days]').fill('5');
    await form.locator('textarea[name=reason]').fill('需要检测机构出具食堂留样的检测报告');
  });
  seen.extension_waiting = await text('main');
  await snap('department-extension-asked');
  await logout();

  // The supervisor approves the extension from the waiting list.
  await login('supervisor');
  seen.supervisor_menu = await text('#nav');
  await go('#/waiting', '#waiting-extensions');
  const row = page.locator(`#waiting-extensions tr[data-number="${seen.number}"]`);
  await row.locator('button[data-decide=approve]').waitFor();
  seen.waiting_row = (await row.innerText()).trim();
  await snap('supervisor-waiting');
  await row.locator('input[name=reason]').fill('同意延期');
  await row.locator('button[data-decide=approve]').click();
  await page.waitForFunction((n) => !document.querySelector(`#waiting-extensions tr[data-number="${n}"]`), seen.number);
  seen.waiting_after = await text('#waiting-extensions');
  await logout();

  // 市教育局 replies; the operator makes the call-back.
  await login('edu');
  await go('#/c/' + seen.number, '#complaint-state');
  seen.after_approval = await text('#history');
  await act('reply', (form) => form.locator('textarea[name=text]').fill('已责令学校整改食堂，并抽检留样，结果合格。'));
  seen.state_replied = await text('#complaint-state');
  await logout();
  await login('operator');
  await go('#/callbacks', 'table[data-list=callbacks]');
  seen.callback_queue = await text('main');
  await go('#/c/' + seen.number, '#complaint-state');
  seen.operator_actions = await actions();
  await act('callback', async (form) => {
    await form.locator('input[value=satisfied]').check();
    await form.locator('textarea[name=note]').fill('来电人表示满意');
  });
  seen.callback_done = await text('#replies');
  await snap('operator-callback');
  await logout();

  // The misrouted one: 市农业农村局 hands it back (退单) ...
  await login('agri');
  seen.farm_state = await openRouted(seen.farm_number);
  seen.farm_lead = await text('main');
  await act('return', (form) => form.locator('textarea[name=reason]').fill('属于市场流通环节，不是种植环节'));
  seen.farm_return_asked = await text('main');
  await logout();
  // ... the supervisor reviews it and re-dispatches it to 市市场监管局 ...
  await login('supervisor');
  await go('#/waiting', '#waiting-returns');
  const ret = page.locator(`#waiting-returns tr[data-number="${seen.farm_number}"]`);
  await ret.locator('select[name=department]').waitFor();
  await ret.locator('input[name=reason]').fill('流通环节由市场监管局办理');
  await ret.locator('select[name=department]').selectOption('scjgj');
  await ret.locator('button[data-decide=approve]').click();
  await page.waitForFunction((n) => !document.querySelector(`#waiting-returns tr[data-number="${n}"]`), seen.farm_number);
  await go('#/c/' + seen.farm_number, '#complaint-state');
  seen.farm_after_review = await text('main');
  // The overdue board, the audit trail with addresses, an unmasking, the measures.
  await go('#/overdue', '#overdue-list, p.empty');
  seen.overdue_summary = await page.locator('#overdue-summary').count() ? await text('#overdue-summary') : '';
  seen.overdue_list = await page.locator('#overdue-list').count() ? await text('#overdue-list') : '';
  seen.overdue_has = overdueNumber ? await page.locator(`#overdue-list tr[data-number="${overdueNumber}"]`).count() : 0;
  await snap('supervisor-overdue');
  await go('#/c/' + seen.number, '#history');
  seen.audit = await text('#history');
  await snap('supervisor-audit', true);
  if (reportNumber) {
    await go('#/c/' + reportNumber, '#complaint-state');
    seen.report_masked = await text('main');
    await page.click('#unmask');
    await page.waitForSelector('main >> text=本次查看已记入审计记录');
    seen.report_unmasked = await text('main');
    await go('#/c/' + reportNumber, '#history');
    seen.report_history = await text('#history');
  }
  await go('#/stats', '#stats-form');
  await page.waitForSelector('#chart-volume canvas', { timeout: 20000 });
  await page.waitForSelector('#stats-table table');
  seen.chart_canvases = await page.locator('.chart canvas').count();
  seen.stats_table = await text('#stats-table');
  seen.csv_href = await page.getAttribute('#csv', 'href');
  seen.csv_head = await page.evaluate(async (href) => (await (await fetch(href)).text()).slice(0, 40), seen.csv_href);
  seen.calls = await text('#calls');
  await snap('supervisor-stats');
  await logout();

  // 市市场监管局's desk now has it and may sign for it; 市农业农村局 no longer sees it.
  await login('samr');
  await go('#/c/' + seen.farm_number, '#complaint-state');
  seen.samr_farm = await text('main');
  seen.samr_actions = await actions();
  await snap('samr-redispatched');
  await logout();
  await login('agri');
  await go('#/c/' + seen.farm_number, '.notice.error');
  seen.agri_farm_now = await text('main');
  await logout();

  // The admin: users, a new one, the configuration check.
  await login('admin');
  seen.admin_menu = await text('#nav');
  await go('#/users', '#users');
  seen.users = await text('#users');
  await page.click('#add-user summary');
  const add = page.locator('#add-user form');
  await add.locator('input[name=login]').fill('health');
  await add.locator('input[name=name]').fill('市卫健局分拨台');
  await add.locator('select[name=role]').selectOption('department');
  await add.locator('select[name=department]').selectOption('wjj');
  await add.locator('input[name=password]').fill('demo-health');
  await add.locator('button[type=submit]').click();
  await page.waitForSelector('#users tr[data-login=health]');
  seen.user_added = await text('main .notice');
  seen.new_user_row = await text('#users tr[data-login=health]');
  await snap('admin-users');
  await go('#/config', '#config-check');
  await page.click('#config-check');
  await page.waitForSelector('#config-result .notice');
  seen.config = await text('#config-result');
  await page.click('#config-reload');
  await page.waitForFunction(() => /重新载入/.test(document.querySelector('#config-result').textContent)
    && !document.querySelector('#config-result .loading'));
  seen.config_reloaded = await text('#config-result');
  await snap('admin-config');
  // A session that ends (here: its cookie gone) sends the user back to the login.
  await context.clearCookies();
  await page.click('#nav a[href="#/queue"]');
  await page.waitForSelector('#login-form');
  seen.expired = await text('#login-status');
  await snap('session-ended');
  // The new account works.
  await login('health');
  seen.health_who = await text('#who');
  seen.problems = problems;
  return seen;
}

// The README's screenshots, of the demo city.
async function shots() {
  const seen = {};
  await go('#/', '#login-form');
  await page.fill('input[name=user]', 'edu');
  await page.screenshot({ path: `${out}/login.png` });
  await login('operator');
  await enter(SCHOOL, { phone: '13900000000', name: '王五' });
  await page.screenshot({ path: `${out}/operator.png` });
  await logout();
  await login('edu');
  await go('#/queue', 'table.list');
  await page.screenshot({ path: `${out}/department.png` });
  // A complaint in hand, with its history.
  await page.selectOption('select[name=state]', 'signed_for');
  await page.waitForSelector('table.list tbody tr');
  const first = await page.locator('table.list tbody tr').first().getAttribute('data-number');
  await go('#/c/' + first, '#history');
  await page.screenshot({ path: `${out}/detail.png` });
  await logout();
  await login('supervisor');
  await go('#/waiting', '#waiting-extensions');
  await page.waitForSelector('td.decide .decide-row, #waiting-extensions p.empty');
  // every row's request read, in both lists
  await page.waitForFunction(() => !document.querySelector('td.decide span.loading'));
  await page.screenshot({ path: `${out}/supervisor.png` });
  await go('#/overdue', '#overdue-list, p.empty');
  await page.screenshot({ path: `${out}/overdue.png` });
  await go('#/stats', '#stats-form');
  await page.waitForSelector('#chart-volume canvas');
  await page.waitForTimeout(1200);    // the charts' animation
  await page.screenshot({ path: `${out}/stats.png` });
  // An e-mail complaint answered: what went back to the citizen, and what the citizen sent.
  const mail = await page.evaluate(async () => {
    const list = await (await fetch('/api/complaints?channel=email&state=closed&limit=1')).json();
    return list.items.length ? list.items[0].number : null;
  });
  if (mail) {
    await go('#/c/' + mail, '#deliveries');
    await page.locator('#channel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${out}/deliveries.png` });
  }
  await logout();
  await login('admin');
  await go('#/users', '#users');
  await page.screenshot({ path: `${out}/admin.png` });
  seen.problems = problems;
  return seen;
}

try {
  const seen = mode === 'flow' ? await flow() : await shots();
  console.log(JSON.stringify(seen));
} catch (error) {
  try { await snap('failed'); } catch (ignored) { /* the page is gone */ }
  console.error(String(error && error.stack || error));
  console.error('problems on the page: ' + JSON.stringify(problems));
  process.exitCode = 1;
} finally {
  await browser.close();
}
