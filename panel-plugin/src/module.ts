import { PanelPlugin } from '@grafana/data';
import { HealingPanel } from './components/HealingPanel';
import { buildOptions } from './options';
import { HealingOptions } from './types';

// Field config: Grafana applies units, decimals and overrides to the series; the panel prints values with them.
export const plugin = new PanelPlugin<HealingOptions>(HealingPanel).useFieldConfig().setPanelOptions(buildOptions);
