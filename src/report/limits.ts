/**
 * @file The report's default size, apart from the report code so that `analyze` can offer
 * `--report-max-records` without loading the report unless `--report` is given.
 */
export const DEFAULT_MAX_RECORDS = 200;
