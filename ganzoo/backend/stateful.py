"""The train_step shared by the backends whose variables are mutable (TF, torch).

Each backend supplies only `_player_update(player, optimizer, x, y)`: compute the
player's loss, its gradients with respect to `player.variables`, and apply them.
"""

import keras


class StatefulAdversarialTrainer:
    def train_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        for player in self.players():
            optimizer = self.optimizer[player.name]
            for _ in range(player.steps):
                logs = self._player_update(player, optimizer, x, y)
                self._update_trackers(logs)
        return self._tracker_results()
