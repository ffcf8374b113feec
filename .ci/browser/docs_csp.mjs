// Loads the API docs page in a real browser (Debian's chromium, driven by
// playwright-core; no browser is downloaded) and checks that
//   1. the page renders: Swagger UI shows the API's title and its operations;
//   2. the Content-Security-Policy is strict: no 'unsafe-inline' or 'unsafe-eval',
//      no origin but the server's own, frame-ancestors 'none';
//   3. the browser reports no CSP violation, no console error and no page error
//      while loading it, and requests nothing from another origin;
//   4. the checks can fail: an inline script injected afterwards is refused and
//      reported, and a page of another origin cannot frame the docs.
// Usage: node docs_csp.mjs BASE_URL CHROMIUM_PATH
import { chromium } from "playwright-core";

const [base, executablePath] = process.argv.slice(2);
if (!base || !executablePath) {
    console.error("usage: node docs_csp.mjs BASE_URL CHROMIUM_PATH");
    process.exit(2);
}
const failures = [];
const fail = (message) => failures.push(message);

const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking"],
});
try {
    const page = await browser.newPage();
    const consoleErrors = [];
    const foreignRequests = [];
    page.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(`page error: ${error.message}`));
    page.on("request", (request) => {
        const url = request.url();
        if (!url.startsWith(base) && !url.startsWith("data:")) foreignRequests.push(url);
    });
    // Collected in the page itself, from the first script on.
    await page.addInitScript(() => {
        window.__violations = [];
        document.addEventListener("securitypolicyviolation", (event) => {
            window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
        });
    });

    const response = await page.goto(`${base}/docs`, { waitUntil: "load" });
    if (!response || response.status() !== 200) fail(`GET /docs ended with ${response && response.status()}`);
    const csp = (response && (await response.headerValue("content-security-policy"))) || "";
    console.log(`content-security-policy: ${csp}`);
    for (const directive of ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"]) {
        if (!csp.split(";").map((d) => d.trim()).includes(directive)) fail(`the policy lacks \`${directive}\``);
    }
    for (const loose of ["unsafe-inline", "unsafe-eval", "*", "http:", "https:"]) {
        if (csp.split(/[\s;]+/).includes(loose) || csp.includes(`'${loose}'`)) fail(`the policy allows ${loose}`);
    }

    await page.waitForSelector(".swagger-ui .info .title", { timeout: 20000 });
    const title = await page.textContent(".swagger-ui .info .title");
    if (!title || !title.includes("Madoguchi API")) fail(`the page shows the title ${JSON.stringify(title)}`);
    await page.waitForSelector(".opblock", { timeout: 20000 });
    const operations = await page.locator(".opblock").count();
    console.log(`rendered: ${JSON.stringify(title.trim())} with ${operations} operations`);
    if (operations < 30) fail(`only ${operations} operations rendered`);
    // Open one operation, as a reader would: more of the UI renders.
    await page.locator(".opblock-summary").first().click();
    await page.waitForSelector(".opblock-body", { timeout: 10000 });
    await page.waitForTimeout(500);

    const violations = await page.evaluate(() => window.__violations.slice());
    for (const violation of violations) fail(`CSP violation while loading: ${violation}`);
    for (const error of consoleErrors) fail(`console error while loading: ${error}`);
    for (const url of foreignRequests) fail(`requested another origin: ${url}`);

    // The listener works: an inline script is refused and reported.
    const ran = await page.evaluate(async () => {
        const script = document.createElement("script");
        script.textContent = "window.__inlineRan = true;";
        document.body.appendChild(script);
        await new Promise((resolve) => setTimeout(resolve, 200));
        return { ran: window.__inlineRan === true, reported: window.__violations.length };
    });
    if (ran.ran) fail("an injected inline script ran");
    if (ran.reported <= violations.length) fail("an injected inline script was not reported: the check is blind");

    // Another origin cannot frame the docs.
    const framer = await browser.newPage();
    const frameErrors = [];
    framer.on("console", (message) => frameErrors.push(message.text()));
    await framer.setContent(`<iframe src="${base}/docs/"></iframe>`);
    await framer.waitForTimeout(1500);
    const framed = framer.frames().find((frame) => frame.url().startsWith(base));
    const framedTitle = framed ? await framed.$(".swagger-ui").catch(() => null) : null;
    if (framedTitle) fail("a page of another origin framed the docs");
    if (!frameErrors.some((text) => text.includes("frame-ancestors"))) {
        fail(`framing was not refused by frame-ancestors: ${JSON.stringify(frameErrors)}`);
    }
} finally {
    await browser.close();
}

if (failures.length > 0) {
    for (const failure of failures) console.error(`FAIL ${failure}`);
    process.exit(1);
}
console.log("docs: rendered under a strict CSP with no violation");
