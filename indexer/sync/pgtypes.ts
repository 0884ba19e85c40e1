// How the sync's connections return values: bigint for numeric and int8 (uint256 and block numbers), and
// timestamps and dates as the strings PostgreSQL printed (written back as they are).
import pg from "pg";

export const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (v: string) => BigInt(v);
    if (oid === 1184 || oid === 1114 || oid === 1082) return (v: string) => v;
    return pg.types.getTypeParser(oid, format as never);
  },
};
