// Port: the productivity records that `reconcile` compares (engine/reconcile.ts): what the shift
// writer posts for a summary, and what Odoo holds. The Odoo side is io/odoo/productivity-reader.ts.
import type { WindowSummary } from '../core/types.js';

/** A record the writer posts for a shift summary (its idempotency key, dates as the ERP holds them). */
export interface ExpectedProductivity {
  readonly key: string;
  readonly revision: number;
  /** The topology's loss key (`running`, `down/<reason>`, ...). */
  readonly lossKey: string;
  readonly lossId: number;
  /** The ERP's work-center id. */
  readonly erpWorkCenterId: number;
  /** ERP datetime texts (second precision). */
  readonly dateStart: string;
  readonly dateEnd: string;
  /** (dateEnd - dateStart) in minutes, rounded to 0.01 as the ERP computes a duration. */
  readonly minutes: number;
}

/** A record of ours read back from the ERP (it carries our markers). */
export interface PostedProductivity {
  readonly erpId: number;
  readonly key: string;
  readonly revision: number;
  /** From the record's description: `<workCenterId>` and `<shift>` as posted ('?' when unreadable). */
  readonly workCenterId: string;
  readonly shift: string;
  /** The ERP's values as found (texts of what was there when not the expected type). */
  readonly dateStart: string;
  readonly dateEnd: string;
  readonly durationMinutes: number | null;
  readonly lossId: number | null;
  readonly lossText: string;
  readonly erpWorkCenterId: number | null;
  readonly workCenterText: string;
}

export interface ProductivityReader {
  /** The records the writer posts for a summary (the writer's own mapping), and why some cannot be. */
  expected(summary: WindowSummary): {
    readonly records: readonly ExpectedProductivity[];
    readonly problems: readonly string[];
  };
  /** Our records on the plant's work centers whose start lies in [fromMs, toMs). */
  posted(fromMs: number, toMs: number): Promise<PostedProductivity[]>;
}
