/**
 * What the end of an epoch decides from validation Dice: a new best checkpoint, a lower rate
 * (reduce-on-plateau) and an early stop. Rebuilt from the saved history on resume, so a resumed run
 * decides exactly as an uninterrupted one would on the same Dice sequence.
 */
import type { EpochRecord, TrainConfig } from './config';
import { EarlyStopping, ImprovementTracker, PlateauSchedule } from './schedule';

export interface EpochDecision {
  newBest: boolean;
  /** The plateau schedule lowered the rate at this epoch. */
  lowered: boolean;
  stop: boolean;
}

export class EpochDecisions {
  private readonly best = new ImprovementTracker();
  private readonly plateau: PlateauSchedule | null;
  private readonly early: EarlyStopping;

  constructor(config: Pick<TrainConfig, 'schedule' | 'earlyStoppingPatience'>, history: readonly EpochRecord[] = []) {
    this.plateau = config.schedule.name === 'plateau' ? new PlateauSchedule(config.schedule) : null;
    this.early = new EarlyStopping(config.earlyStoppingPatience);
    for (const record of history) this.endEpoch(record.epoch - 1, record.dice);
  }

  /** The factor the plateau schedule applies to the base rate (1 for other schedules). */
  get plateauMultiplier(): number {
    return this.plateau?.multiplier ?? 1;
  }

  /** `epoch` counts from 0, as the loop does; records count from 1. */
  endEpoch(epoch: number, valDice: number): EpochDecision {
    const newBest = this.best.record(epoch, valDice);
    const lowered = this.plateau?.endEpoch(epoch, valDice) ?? false;
    const stop = this.early.endEpoch(epoch, valDice);
    return { newBest, lowered, stop };
  }
}
