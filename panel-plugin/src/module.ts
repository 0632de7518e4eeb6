import { PanelPlugin } from '@grafana/data';
import { HealingPanel } from './components/HealingPanel';
import { buildOptions } from './options';
import { HealingOptions } from './types';

export const plugin = new PanelPlugin<HealingOptions>(HealingPanel).setPanelOptions(buildOptions);
