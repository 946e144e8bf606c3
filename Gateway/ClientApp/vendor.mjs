// Copies the browser builds of the console's libraries, with their licences, from node_modules into
// ../wwwroot/lib. The copies are committed, so `dotnet run --project Gateway` serves them without npm
// and the browser loads nothing from a CDN. Run after changing a version in package.json:
//   npm ci && npm run vendor
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const lib = join(here, "..", "wwwroot", "lib");

// The MIT text for packages that name their licence in package.json but ship no licence file.
const mit = (holder) => `The MIT License (MIT)

Copyright (c) ${holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;

const vendored = [
  {
    dir: "signalr",
    pkg: "@microsoft/signalr",
    files: ["dist/browser/signalr.min.js"],
    license: { text: mit(".NET Foundation and Contributors") },
  },
  {
    dir: "chart.js",
    pkg: "chart.js",
    files: ["dist/chart.umd.min.js"],
    license: { file: "LICENSE.md" },
  },
  {
    // Bundled inside chart.umd.min.js; its licence travels with it.
    dir: "chart.js",
    pkg: "@kurkle/color",
    files: [],
    license: { file: "LICENSE.md", as: "LICENSE-kurkle-color.md" },
  },
];

for (const { dir, pkg, files, license } of vendored) {
  const source = join(here, "node_modules", pkg);
  const target = join(lib, dir);
  mkdirSync(target, { recursive: true });
  const { version } = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
  for (const file of files) {
    const name = file.split("/").pop();
    copyFileSync(join(source, file), join(target, name));
    console.log(`${pkg}@${version} ${file} -> wwwroot/lib/${dir}/${name}`);
  }
  const licenseName = license.as ?? (license.file ?? "LICENSE.txt");
  if (license.file) copyFileSync(join(source, license.file), join(target, licenseName));
  else writeFileSync(join(target, licenseName), license.text);
}
