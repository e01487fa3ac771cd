#!/usr/bin/env python3
"""Drives the web view in headless Chromium (Selenium, chromedriver) and reports what it saw.

The Swift tests (ChangeGateServerTests, WebViewBrowserTests) and `make demo` run it against a real
`changegate serve` on loopback. It asserts nothing itself: it prints, as JSON, for each step of the
plan, the page's title, the counts and texts of the CSS selectors asked for, the accessibility
violations axe-core finds, and the first focus stops of the Tab key; the caller checks them.

Usage: webview.py --base URL --user NAME --token TOKEN --plan PLAN.json [--screenshots DIR]

A plan is a list of steps: {"name", "path", "count": [selectors], "text": [selectors],
"fill": {selector: value}, "click": selector, "tabs": N, "screenshot": true}. A step with "fill" or
"click" acts on the page the previous step left (path omitted), then collects.
"""
import argparse
import base64
import json
import os
import sys

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from selenium.common.exceptions import TimeoutException


def browser():
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--force-device-scale-factor=1"]:
        options.add_argument(argument)
    binary = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
    if os.path.exists(binary):
        options.binary_location = binary
    driver_path = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
    return webdriver.Chrome(service=Service(driver_path), options=options)


def collect(driver, step):
    seen = {"url": driver.current_url, "title": driver.title, "count": {}, "text": {}}
    for selector in step.get("count", []):
        seen["count"][selector] = len(driver.find_elements(By.CSS_SELECTOR, selector))
    for selector in step.get("text", []):
        found = driver.find_elements(By.CSS_SELECTOR, selector)
        seen["text"][selector] = found[0].text if found else None
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    seen["axe"] = [{"id": v["id"], "impact": v.get("impact"), "nodes": len(v.get("nodes", []))}
                   for v in results.get("violations", [])]
    tabs = step.get("tabs", 0)
    if tabs:
        # From the top of the page, as a keyboard user arrives: nothing focused.
        driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
        stops = []
        for _ in range(tabs):
            ActionChains(driver).send_keys(Keys.TAB).perform()
            focused = driver.switch_to.active_element
            stops.append({"tag": focused.tag_name,
                          "text": (focused.text or focused.get_attribute("name") or "")[:60],
                          "href": focused.get_attribute("href")})
        seen["tabs"] = stops
    return seen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--screenshots")
    arguments = parser.parse_args()
    with open(arguments.plan) as file:
        plan = json.load(file)
    driver = browser()
    report = {}
    try:
        # The view's basic credentials on every request the page makes (the style sheet too).
        credentials = base64.b64encode(f"{arguments.user}:{arguments.token}".encode()).decode()
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": "Basic " + credentials}})
        for step in plan:
            if "path" in step:
                driver.get(arguments.base + step["path"])
            for selector, value in step.get("fill", {}).items():
                field = driver.find_element(By.CSS_SELECTOR, selector)
                field.clear()
                field.send_keys(value)
            if "click" in step:
                # Every click the plans make submits a form: collect from the page it leads to, not
                # from the one still showing while the next loads (a long trail's page takes longer).
                old = driver.find_element(By.TAG_NAME, "html")
                driver.find_element(By.CSS_SELECTOR, step["click"]).click()
                try:
                    WebDriverWait(driver, 15).until(expected_conditions.staleness_of(old))
                    WebDriverWait(driver, 15).until(
                        lambda d: d.execute_script("return document.readyState") == "complete")
                except TimeoutException:
                    pass  # no navigation: collect what the page shows
            report[step["name"]] = collect(driver, step)
            if step.get("screenshot") and arguments.screenshots:
                os.makedirs(arguments.screenshots, exist_ok=True)
                height = driver.execute_script(
                    "return Math.min(document.documentElement.scrollHeight + 40, 2400)")
                driver.set_window_size(1280, max(600, height))
                driver.execute_script("window.scrollTo(0, 0)")
                driver.save_screenshot(os.path.join(arguments.screenshots, step["name"] + ".png"))
                driver.set_window_size(1280, 900)
    finally:
        driver.quit()
    json.dump(report, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
