// The citizen's pages in a real browser (Debian's chromium through playwright-core), as a
// citizen uses them: open the form, fill it in, submit, read the work-order number, look it up
// on the status page.  A screenshot of each page goes to OUT_DIR for a person to look at.
//   node citizen_form.mjs BASE_URL OUT_DIR
// Prints one JSON object of what it saw (the test in tests/e2e/test_citizen_form.py checks it)
// and exits 0, or prints the error and exits 1.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [base, out] = process.argv.slice(2);
if (!base || !out) {
  console.error('usage: node citizen_form.mjs BASE_URL OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const seen = {};
try {
  // A phone-sized window: the form must work there.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN',
                                             javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(base + '/');
  seen.form_title = await page.title();
  seen.form_has_csrf = (await page.locator('input[name=csrf]').getAttribute('value')).length === 64;
  seen.region_options = await page.locator('#region option').count();
  seen.service_options = await page.locator('#service_code option').count();
  await page.screenshot({ path: `${out}/01-form.png`, fullPage: true });

  // Submitting with nothing said about the place is refused, with what was typed kept.
  await page.selectOption('#service_code', 'env.noise');
  await page.fill('#description', '楼下酒吧每晚营业到凌晨两点，音响很响，<b>吵得</b>无法入睡。');
  await page.click('button[type=submit]');
  seen.refusal_status = (await page.locator('div[role=alert]').innerText()).trim();
  seen.refusal_kept_text = await page.inputValue('#description');
  await page.screenshot({ path: `${out}/02-form-refused.png`, fullPage: true });

  await page.fill('#description', '楼下酒吧每晚营业到凌晨两点，音响很响，吵得无法入睡，希望管一管。');
  await page.selectOption('#region', 'lecheng');
  await page.fill('#address_string', '乐成街道人民路1号');
  await page.fill('#first_name', '张三');
  await page.fill('#phone', '13812345678');
  await page.check('#consent');
  await page.click('button[type=submit]');
  seen.submitted_title = await page.title();
  seen.number = (await page.locator('#number').innerText()).trim();
  await page.screenshot({ path: `${out}/03-submitted.png`, fullPage: true });

  // The status page: a wrong last four digits tells nothing; the right ones show the state.
  await page.goto(base + '/status');
  await page.fill('#number', seen.number);
  await page.fill('#last4', '0000');
  await page.click('button[type=submit]');
  seen.wrong_digits_message = (await page.locator('div[role=status]').innerText()).trim();
  seen.wrong_digits_shows_result = await page.locator('#result.result').count();
  await page.fill('#number', seen.number);
  await page.fill('#last4', '5678');
  await page.click('button[type=submit]');
  seen.state = (await page.locator('#state').innerText()).trim();
  seen.status_page_text = await page.locator('main').innerText();
  await page.screenshot({ path: `${out}/04-status.png`, fullPage: true });

  // The same form on a desktop-sized window, for the record.
  const wide = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const desk = await wide.newPage();
  await desk.goto(base + '/');
  await desk.screenshot({ path: `${out}/05-form-desktop.png`, fullPage: true });
  console.log(JSON.stringify(seen));
} catch (error) {
  console.error(String(error && error.stack || error));
  process.exitCode = 1;
} finally {
  await browser.close();
}
