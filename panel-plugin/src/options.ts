import { PanelOptionsEditorBuilder } from '@grafana/data';
import { HealingOptions } from './types';

/** Panel options; each path is a key of HealingOptions and its default lives here. */
export function buildOptions(builder: PanelOptionsEditorBuilder<HealingOptions>) {
  return builder
    .addTextInput({
      path: 'metric',
      name: 'Series',
      description: 'Numeric field drawn under the anomaly bands (e.g. latency_p95); empty: the first one',
      defaultValue: '',
    })
    .addBooleanSwitch({ path: 'showScore', name: 'Anomaly score', defaultValue: true, category: ['Layers'] })
    .addBooleanSwitch({ path: 'showBands', name: 'Anomaly bands', defaultValue: true, category: ['Layers'] })
    .addBooleanSwitch({ path: 'showTimeline', name: 'Healing timeline', defaultValue: true, category: ['Layers'] })
    .addBooleanSwitch({ path: 'showHealth', name: 'Health, MTTD and MTTR', defaultValue: true, category: ['Layers'] })
    .addNumberInput({
      path: 'threshold',
      name: 'Score threshold',
      description: 'Scores at or above count as anomalous; the detector calibrates 1.0',
      defaultValue: 1,
      settings: { min: 0, step: 0.1 },
    })
    .addColorPicker({ path: 'bandColor', name: 'Band colour', defaultValue: 'red', category: ['Layers'] });
}
