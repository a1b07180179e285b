/**
 * What a package records of the held-out package its temperature was taken from (`ensemble
 * --temperature-from`, and the experiment that re-does that step on a finished package): its id,
 * temperature, held-out figures, the channels the temperature was fitted over, and the commands that
 * built it. Refuses a package whose temperature was not fitted on held-out speakers.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseModelConfig } from '@emostream/shared/model/config';

export interface TemperatureSource {
  id: string;
  temperature: number;
  val: unknown;
  /** The channels the source's temperature was fitted over (absent: clean audio only). */
  calibrationChannels?: string[];
  /** The source's held-out figures per channel at its temperature, when fitted over channels. */
  valByChannel?: unknown;
  commands: string[];
  /** The source's temperature of early windows, and the early point it was fitted at. */
  earlyTemperature?: number;
  earlyMs?: number;
  valEarly?: unknown;
}

export async function readTemperatureSource(dir: string): Promise<TemperatureSource> {
  const source = parseModelConfig(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')));
  if (source.training?.valInTraining === true)
    throw new Error(`--temperature-from ${dir}: its temperature was not fitted on held-out speakers`);
  const members = (source.training?.members as Array<{ training?: { command?: unknown } }> | undefined) ?? [];
  const channels = source.training?.calibrationChannels;
  return {
    id: source.id,
    temperature: source.temperature,
    val: source.metrics?.val,
    ...(Array.isArray(channels) ? { calibrationChannels: channels as string[] } : {}),
    ...(source.metrics?.valByChannel !== undefined ? { valByChannel: source.metrics.valByChannel } : {}),
    ...(source.earlyTemperature !== undefined
      ? {
          earlyTemperature: source.earlyTemperature,
          earlyMs: source.training?.earlyMs as number,
          valEarly: source.metrics?.valEarly,
        }
      : {}),
    commands: [...members.map((m) => m.training?.command), source.training?.command].filter(
      (c): c is string => typeof c === 'string',
    ),
  };
}
