/**
 * Report charts as self-contained SVG strings (no external fonts or resources); rasterise them with
 * `renderPng` from `./png.ts`. Same input, same bytes.
 */

export { type BarChartOptions, barChart, type ReferenceLine } from './bar-chart.ts';
export { type ConfusionMatrixOptions, confusionMatrix, percentLabel } from './confusion-matrix.ts';
export {
  type ChartMarker,
  type EpochPoint,
  type LineChartOptions,
  type LineSeries,
  lineChart,
  pickBestEpoch,
  type TrainingCurvesOptions,
  trainingCurves,
} from './line-chart.ts';
export {
  type ReliabilityDiagramBin,
  type ReliabilityDiagramOptions,
  reliabilityDiagram,
} from './reliability-diagram.ts';
