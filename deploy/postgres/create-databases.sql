-- One database per subgraph (ARCHITECTURE.md: data ownership).
CREATE DATABASE auth;
CREATE DATABASE samples;
CREATE DATABASE submission;
CREATE DATABASE files;
CREATE DATABASE audit;
CREATE DATABASE ai;
