// The worker's window in a real browser (Debian's chromium, driven by
// playwright-core; no browser is downloaded), one step of a scenario per run.
// The Rust test tests/api/window.rs runs the steps in turn and acts as the
// handler, the employer and the mediator through the API in between.
//
// Every page visited is checked: axe-core finds no serious or critical
// violation, the page and what it loads weigh at most 30 KB over the wire,
// nothing comes from another origin, the browser reports no CSP violation or
// console error, and nothing scrolls sideways at 320 px. Each step saves a
// screenshot in WINDOW_OUT (and, when WINDOW_DOCS is set, the ones the README
// shows). Findings are printed as one JSON line per page ("page-check").
//
// Usage: node window.mjs STEP   with the environment
//   WINDOW_BASE      the server's address, http://127.0.0.1:PORT
//   WINDOW_CHROMIUM  chromium's path
//   WINDOW_OUT       a directory for screenshots and the session between steps
//   WINDOW_INPUT     JSON with what the step needs (reference, receipt_code, link, expect…)
//   WINDOW_DOCS      optional: a directory for the README's screenshots
// Steps: lodge, login, message, accept, confirm, mail_link. A step prints
// its result as a line "result {json}".
import { chromium } from "playwright-core";
import { readFileSync, existsSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const step = process.argv[2];
const base = process.env.WINDOW_BASE;
const executablePath = process.env.WINDOW_CHROMIUM;
const out = process.env.WINDOW_OUT;
const docs = process.env.WINDOW_DOCS || "";
const input = JSON.parse(process.env.WINDOW_INPUT || "{}");
if (!step || !base || !executablePath || !out) {
    console.error("usage: WINDOW_BASE=… WINDOW_CHROMIUM=… WINDOW_OUT=… node window.mjs STEP");
    process.exit(2);
}
mkdirSync(out, { recursive: true });
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const sessionFile = path.join(out, "session.json");
const MAX_PAGE_BYTES = 30 * 1024;

const failures = [];
const fail = (message) => failures.push(`${step}: ${message}`);

const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking"],
});
let result = {};
try {
    // A phone: 320 px wide, touch, a mobile browser's user agent is not needed.
    const context = await browser.newContext({
        viewport: { width: 320, height: 640 },
        deviceScaleFactor: 2,
        hasTouch: true,
        storageState: step !== "lodge" && step !== "login" && step !== "mail_link" && existsSync(sessionFile)
            ? sessionFile
            : undefined,
    });
    const page = await context.newPage();
    const problems = [];
    page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => { if (!r.url().startsWith(base)) problems.push(`foreign request: ${r.url()}`); });
    await page.addInitScript(() => {
        window.__violations = [];
        document.addEventListener("securitypolicyviolation", (e) => {
            window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
        });
    });

    // Checks the page now shown; `name` names it in the findings and the screenshot.
    const check = async (name, { screenshotForDocs, errorPage } = {}) => {
        // An error page is answered with its status (401, 422…), which the console reports.
        if (errorPage) {
            const kept = problems.filter((p) => !p.startsWith("console: Failed to load resource: the server responded with a status of 4"));
            problems.splice(0, problems.length, ...kept);
        }
        await page.waitForLoadState("load");
        const weight = await page.evaluate(() => {
            const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
            return entries.reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0);
        });
        const lang = await page.evaluate(() => document.documentElement.lang);
        const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        const csp = await page.evaluate(() => window.__violations);
        await page.evaluate(axeSource);
        const axe = await page.evaluate(async () => {
            const r = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] });
            return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
        });
        const serious = axe.filter((v) => v.impact === "serious" || v.impact === "critical");
        console.log(`page-check ${JSON.stringify({ step, page: name, bytes: weight, lang, axe })}`);
        if (weight > MAX_PAGE_BYTES) fail(`${name} weighs ${weight} bytes, over ${MAX_PAGE_BYTES}`);
        if (weight === 0) fail(`${name}: no transfer size measured`);
        if (!lang) fail(`${name} has no lang`);
        if (sideways > 0) fail(`${name} scrolls sideways by ${sideways}px at 320px`);
        if (csp.length) fail(`${name}: CSP violations ${csp.join(", ")}`);
        if (serious.length) fail(`${name}: axe finds ${JSON.stringify(serious)}`);
        if (problems.length) fail(`${name}: ${problems.splice(0).join("; ")}`);
        await page.screenshot({ path: path.join(out, `${step}-${name}.png`), fullPage: true });
        if (docs && screenshotForDocs) {
            mkdirSync(docs, { recursive: true });
            await page.screenshot({ path: path.join(docs, screenshotForDocs), fullPage: true });
        }
    };
    const expectText = async (selector, wanted, what) => {
        const text = ((await page.textContent(selector)) || "").trim();
        if (!text.includes(wanted)) fail(`${what}: ${selector} says ${JSON.stringify(text)}, not ${JSON.stringify(wanted)}`);
        return text;
    };
    const login = async (reference, code) => {
        await page.fill("#reference", reference);
        await page.fill("#receipt_code", code);
        await Promise.all([page.waitForNavigation(), page.click("form button[type=submit]")]);
    };

    if (step === "lodge") {
        await page.goto(`${base}/`);
        await check("home");
        await Promise.all([page.waitForNavigation(), page.click("a[hreflang=vi]")]);
        await Promise.all([page.waitForNavigation(), page.click("a.button[href*='/lodge']")]);
        await check("form", { screenshotForDocs: "window-lodge.png" });
        await page.check("#c-unpaid_wages");
        await page.check("#c-passport_id_retention");
        await page.fill("#narrative", input.narrative);
        await page.fill("#employer_name", input.employer_name);
        await page.fill("#email", input.email);
        // What the form sends, kept to send it again as a double tap or a retry would.
        const sent = await page.evaluate(() => new URLSearchParams(new FormData(document.querySelector("form"))).toString());
        const [first] = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
        if (!first || first.status() !== 201) fail(`lodging answered ${first && first.status()}`);
        const firstReference = (await page.textContent("#reference")).trim();
        const firstCode = (await page.textContent("#receipt-code")).trim();
        await check("receipt", { screenshotForDocs: "window-receipt.png" });
        const retry = await context.request.post(`${base}/lodge`, {
            data: sent,
            headers: { "content-type": "application/x-www-form-urlencoded" },
        });
        const retried = await retry.text();
        if (retry.status() !== 200) fail(`the same form sent again answered ${retry.status()}`);
        if (!retried.includes(firstReference) || !retried.includes(firstCode)) fail("the same form sent again lodged another case");
        await page.emulateMedia({ media: "print" });
        await page.screenshot({ path: path.join(out, "lodge-receipt-print.png"), fullPage: true });
        const printedButtons = await page.evaluate(() => [...document.querySelectorAll(".no-print")].filter((e) => getComputedStyle(e).display !== "none").length);
        if (printedButtons) fail("the printable receipt shows the buttons");
        result = { reference: firstReference, receipt_code: firstCode, url: page.url() };
    } else if (step === "login" || step === "mail_link") {
        if (step === "login") {
            await page.goto(`${base}/follow?lang=vi`);
        } else {
            await page.goto(input.link);
            const prefilled = await page.inputValue("#reference");
            if (prefilled !== input.reference) fail(`the link from mail fills in ${JSON.stringify(prefilled)}`);
            const lang = await page.evaluate(() => document.documentElement.lang);
            if (lang !== input.lang) fail(`the link from mail opens a page in ${lang}, not ${input.lang}`);
        }
        await check("login");
        // A wrong code first: a page in Vietnamese, not JSON.
        if (step === "login") {
            await login(input.reference, "AAAAA-AAAAA-AAAAA-AAAAA");
            await check("wrong-code", { errorPage: true });
            if (!(await page.textContent("main")).includes(input.expect_wrong_code)) fail("no plain-words error for a wrong code");
            await page.goto(`${base}/follow?lang=vi`);
        }
        if (step === "login") {
            await login(input.reference, input.receipt_code);
        } else {
            await page.fill("#receipt_code", input.receipt_code);
            await Promise.all([page.waitForNavigation(), page.click("form button[type=submit]")]);
        }
        await expectText("#stage-label", input.expect_stage, "the stage after login");
        if (page.url().includes(input.receipt_code)) fail("the receipt code is in the URL");
        await check("case");
        const cookies = await context.cookies();
        for (const c of cookies) {
            if (!c.httpOnly || c.sameSite !== "Strict") fail(`cookie ${c.name} is not HttpOnly and SameSite=Strict`);
            if (c.value.includes(input.receipt_code)) fail(`cookie ${c.name} carries the receipt code`);
        }
        await context.storageState({ path: sessionFile });
        result = { cookies: cookies.map((c) => c.name).sort() };
    } else if (step === "message") {
        await page.goto(`${base}/follow?lang=vi`);
        await expectText(".messages", input.expect_message, "the handler's message");
        await page.fill("#message-body", input.reply);
        await Promise.all([page.waitForNavigation(), page.click("#message-body ~ button")]);
        await expectText(".messages .mine", input.reply, "my reply");
        await check("messages");
    } else if (step === "accept") {
        await page.goto(`${base}/follow?lang=vi`);
        await expectText(".remedies", input.expect_remedy, "the proposed remedy");
        await check("proposed");
        await Promise.all([page.waitForNavigation(), page.click("#action-accept_remedy button")]);
        await expectText("#stage-label", input.expect_stage, "the stage after accepting");
        await check("accepted");
    } else if (step === "confirm") {
        await page.goto(`${base}/follow?lang=vi`);
        await page.selectOption("#confirm_remedy-rating", "4");
        await page.fill("#confirm_remedy-comment", input.comment);
        await Promise.all([page.waitForNavigation(), page.click("#action-confirm_remedy button")]);
        await expectText("#stage-label", input.expect_stage, "the stage after confirming");
        await check("confirmed");
    } else {
        fail(`unknown step ${step}`);
    }
} catch (error) {
    fail(`${error.stack || error}`);
} finally {
    await browser.close();
}
console.log(`result ${JSON.stringify(result)}`);
if (failures.length) {
    for (const f of failures) console.error(`FAIL ${f}`);
    process.exit(1);
}
