// Port: what `reconcile --kind material` compares (engine/reconcile-material.ts): the material
// records of shiftstream as Odoo holds them, found through their markers. The Odoo side is read by
// io/odoo/material-reader.ts.

/** One effective consumption note: an event's intent, and the line it points at. */
export interface ConsumptionInOdoo {
  readonly key: string;
  readonly productionId: number;
  readonly lineKey: string;
  readonly qty: number;
  /** The event instant written in the note (null when unreadable). */
  readonly atMs: number | null;
}

/** A picked move line of (move, lot, location), by `lineKey` `<move>|<lot>|<location>`. */
export interface LineInOdoo {
  readonly id: number;
  readonly quantity: number;
}

export interface TransferInOdoo {
  readonly key: string;
  readonly id: number;
  readonly state: string;
  /** Sum of the transfer's picked line quantities. */
  readonly quantity: number;
  readonly lot: string | null;
  readonly from: string;
  readonly to: string;
  /** The package the picked lines put the stock in (result_package_id), null: none. */
  readonly package: string | null;
  readonly doneAtMs: number | null;
}

/** A lot shiftstream created (its note holds this plant's marker) that is a production's producing lot. */
export interface MarkedProducedLot {
  /** The event key of the marker. */
  readonly key: string;
  readonly lotId: number;
  readonly lot: string;
  /** The product's default_code. */
  readonly product: string;
  /** Name of the production it is the producing lot of. */
  readonly production: string;
  /** The event instant of the note, else the lot's create_date (null when neither reads). */
  readonly atMs: number | null;
}

export interface ProducedInOdoo {
  /** `<production name>|<lot name>` of each lot set as a production's producing lot. */
  readonly linked: ReadonlySet<string>;
  /** `<product default_code>|<lot name>` of each existing lot. */
  readonly lots: ReadonlySet<string>;
  /** Every marked lot of the plant set as a producing lot, whatever the events name. */
  readonly marked: readonly MarkedProducedLot[];
}

export interface MaterialInOdoo {
  readonly consumptions: readonly ConsumptionInOdoo[];
  readonly lines: ReadonlyMap<string, LineInOdoo>;
  readonly transfers: readonly TransferInOdoo[];
  readonly produced: ProducedInOdoo;
}
