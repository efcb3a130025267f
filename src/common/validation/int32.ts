/** The largest value of a PostgreSQL `integer` column: ids, versions and counters are all 32-bit. */
export const INT32_MAX = 2_147_483_647;
