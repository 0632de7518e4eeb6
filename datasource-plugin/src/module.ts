import { DataSourcePlugin } from '@grafana/data';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { HomeostatOptions, HomeostatQuery, HomeostatSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<DataSource, HomeostatQuery, HomeostatOptions, HomeostatSecureJsonData>(
  DataSource
)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
