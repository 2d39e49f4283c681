// Drives the staff console in headless Chromium (Debian's, through playwright-core), at a phone's
// width: log in, change a Spanish text, watch the live counter turn red on an overlong screen,
// fix it, save, publish, and see the simulator show the new text. Run by
// console_browser_test.sh, which starts the server and checks the carrier side afterwards.
//
// Environment: PLAYWRIGHT (path to playwright-core's index.mjs), ADMIN_PORT, USERNAME, PASSWORD,
// CHROMIUM (executable).
const { chromium } = await import(process.env.PLAYWRIGHT);
const base = `http://localhost:${process.env.ADMIN_PORT}/admin/`;
const step = (what) => console.log(`console_browser_test: ${what}`);
const timeout = 15000;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: 'es-ES' });
  page.setDefaultTimeout(timeout);
  const problems = [];
  page.on('pageerror', (e) => { problems.push(`page error: ${e.message}`); console.log(`page error: ${e.message}`); });
  // API answers such as 401 before logging in or 404 "no draft yet" are expected; Chromium logs
  // them as "Failed to load resource". Anything else (a CSP violation, a script error) fails.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${m.text()}`);
      console.log(`console error: ${m.text()}`);
    }
  });

  step('log in (keyboard only)');
  await page.goto(base);
  await page.waitForSelector('#login');
  await page.keyboard.type(process.env.USERNAME);  // the username field has focus
  await page.keyboard.press('Tab');
  await page.keyboard.type(process.env.PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#nav:not([hidden])');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === '__Host-ventanilla_session');
  if (!session || !session.httpOnly || !session.secure || session.sameSite !== 'Strict') {
    throw new Error('session cookie missing or without HttpOnly/Secure/SameSite=Strict: ' + JSON.stringify(cookies));
  }

  step('start a draft and edit need.hub in Spanish');
  await page.click('#start-draft');
  const area = page.locator('textarea[data-id="need.hub"]');
  const counter = page.locator('output.counter[data-id="need.hub"]');
  await area.fill('x'.repeat(170));
  await page.waitForFunction(() => document.querySelector('output.counter[data-id="need.hub"]')?.classList.contains('bad'));
  const red = await counter.textContent();
  if (!red.includes('170') || !red.includes('NO cabe')) throw new Error(`the counter said: ${red}`);
  step(`counter turned red: ${red}`);
  await area.fill('Oficina de ayuda más cercana');
  await page.waitForFunction(() => document.querySelector('output.counter[data-id="need.hub"]')?.classList.contains('ok'));
  step(`counter back to ok: ${await counter.textContent()}`);
  await page.click('button[data-save="need.hub"]');
  await page.waitForFunction(() => document.querySelector('#status').textContent === 'Guardado.');

  step('publish');
  await page.click('a[href="#publish"]');
  await page.click('#publish');
  await page.waitForFunction(() => document.querySelector('#status').textContent.startsWith('Publicado'));

  step('the simulator shows the new text');
  await page.click('a[href="#simulator"]');
  await page.selectOption('#sim-lang', 'es');
  await page.selectOption('#sim-country', 'GT');
  await page.fill('#sim-input', '1');
  await page.press('#sim-input', 'Enter');
  await page.waitForFunction(() => document.querySelector('#phone-screen').textContent.includes('Oficina de ayuda'));
  step(`simulator screen: ${(await page.textContent('#phone-screen')).replace(/\n/g, ' | ')}`);

  step('the hub form refuses a hub outside its country, naming the field');
  await page.click('a[href="#hubs"]');
  await page.fill('#hub-q', 'san mateo');
  await page.press('#hub-q', 'Enter');
  await page.waitForFunction(() => document.querySelector('#hub-results').textContent.includes('gt-san-mateo-vimmig'));
  await page.click('#hub-results tr:has-text("gt-san-mateo-vimmig") button');
  await page.fill('#hub-lat', '40');
  await page.click('#hub-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#hub-lat').getAttribute('aria-invalid') === 'true');
  step(`hub form said: ${await page.textContent('#status')}`);
  if (!(await page.textContent('#status')).includes('lat')) throw new Error('the refusal does not name lat');

  step('usage charts');
  await page.click('a[href="#usage"]');
  await page.waitForFunction(() => document.querySelector('#usage-charts')?.textContent.includes('Sesiones'));
  step(`usage: ${(await page.textContent('#usage-charts p'))}`);

  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > 360) throw new Error(`the page is ${width} px wide at a 360 px viewport`);
  if (problems.length) throw new Error(problems.join('\n'));
  step('ok');
} finally {
  await browser.close();
}
