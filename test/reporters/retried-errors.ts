/**
 * @module A vitest reporter for `npm test`: a test that failed and then passed on its retry shows
 * only "(retry x1)" in the default report, and its first failure is lost. This prints each such
 * failure at the end of the run, so a flake seen in CI can be diagnosed from its log.
 */
import { relative } from 'node:path';
import type { Reporter, TestCase } from 'vitest/node';

const STACK_LINES = 4;

export default class RetriedErrorsReporter implements Reporter {
  private readonly reports: string[] = [];

  onTestCaseResult(testCase: TestCase): void {
    const result = testCase.result();
    const retries = testCase.diagnostic()?.retryCount ?? 0;
    if (result.state !== 'passed' || retries === 0 || !result.errors?.length) return;
    const where = `${relative(process.cwd(), testCase.module.moduleId)} > ${testCase.fullName}`;
    const errors = result.errors.map((error) => {
      const stack = (error.stack ?? '')
        .split('\n')
        .filter((line) => line.includes(process.cwd()) && !line.includes('node_modules'))
        .slice(0, STACK_LINES)
        .map((line) => `      ${line.trim().replace(`${process.cwd()}/`, '')}`);
      return [`    ${error.name ?? 'Error'}: ${error.message}`, ...stack].join('\n');
    });
    this.reports.push(`  ${where} (passed on retry ${retries})\n${errors.join('\n')}`);
  }

  onTestRunEnd(): void {
    if (this.reports.length === 0) return;
    process.stdout.write(
      `\nFailures that passed on a retry (${this.reports.length}):\n${this.reports.join('\n')}\n`,
    );
  }
}
